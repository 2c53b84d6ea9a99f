/*
 * jbuild-sandbox: the container set-up helper of jbuild's native executor (and the overlay mounter of its OCI
 * runtime executor). Plain C11 + Linux syscalls, no library beyond libc; built by Maven and shipped in the jar.
 *
 *   jbuild-sandbox run SPEC   run one process in a fresh container (namespaces, overlay rootfs, pivot_root)
 *   jbuild-sandbox oci SPEC   mount the overlay rootfs in a private mount namespace, create the mount points,
 *                             run an OCI runtime (runc/crun) there, clean its state up, exit with its status
 *   jbuild-sandbox opaque DIR print the directories under the overlay upper dir DIR that are marked opaque
 *                             (trusted.overlay.opaque or user.overlay.opaque = "y"), as NUL-terminated paths
 *                             relative to DIR with a leading "/" (Java cannot read trusted.* xattrs)
 *   jbuild-sandbox userns REPORT COMMAND [ARG...]
 *                             run COMMAND as root of a new user namespace that maps the caller's subordinate id
 *                             ranges (an unprivileged jbuild re-runs itself this way, as "buildah unshare" does)
 *   jbuild-sandbox version
 *
 * SPEC is a file of NUL-terminated "key=value" records (see Spec in NativeExecutor.java):
 *   parent-pid report rootfs empty lower* upper work stubs arg* env* cwd uid gid group* hostname
 *   network(host|none) resolv-conf hosts insecure (0|1); mounts as a run of mount-type(bind|tmpfs) mount-source mount-target
 *   mount-ro mount-size mount-mode; oci mode: runtime-arg* cleanup-arg* pid-file hide-cgroup2 (0|1).
 * The REPORT file receives NUL-terminated records "created=/path" (paths created as mount points or for
 * set-up, absolute in the rootfs, parents first) and, on failure, one "error=message".
 *
 * Process structure of "run" (documented choice: a tiny init):
 *   helper (outside, PR_SET_PDEATHSIG=SIGKILL) -- waits, turns SIGTERM/SIGINT/SIGHUP into SIGKILL of the init
 *     init (PID 1 of the new PID namespace, PR_SET_PDEATHSIG=SIGKILL, stays root): mounts, pivot_root, then
 *          reaps zombies and forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the command
 *       command (PID 2): setgroups/setgid/setuid, capabilities, chdir, execve
 * The init exits with the command's status (128+N when killed by signal N), which the helper passes on. When
 * the init exits, the kernel kills whatever is left in the PID namespace; when the helper dies (even by
 * SIGKILL, e.g. because the JVM died), the init gets SIGKILL through PDEATHSIG. Mounts only exist in the
 * container's private mount namespace and vanish with it. Set-up failures exit with status 125 after one line
 * "jbuild-sandbox: STEP: ERRNO TEXT" on stderr and an error record in the report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#if !defined(__GLIBC__) || !__GLIBC_PREREQ(2, 36)
#include <linux/mount.h>
#endif

#define JBUILD_SANDBOX_VERSION "1"
#define EXIT_SETUP 125

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ---------------------------------------------------------------- errors and the report */

static int g_report = -1;

static void report(const char *key, const char *value) {
    if (g_report < 0) return;
    struct iovec iov[3] = {
        {(void *)key, strlen(key)}, {(void *)"=", 1}, {(void *)value, strlen(value) + 1}};
    ssize_t r = writev(g_report, iov, 3);
    (void)r;
}

static void vfail(int with_errno, const char *fmt, va_list ap) {
    int e = errno;
    char msg[2048];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof msg) n = sizeof msg - 1;
    if (with_errno) snprintf(msg + n, sizeof msg - n, ": %s", strerror(e));
    dprintf(2, "jbuild-sandbox: %s\n", msg);
    report("error", msg);
}

/* A set-up step failed: one line on stderr, an error record, exit 125. */
__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(1, fmt, ap);
    va_end(ap);
    _exit(EXIT_SETUP);
}

__attribute__((noreturn, format(printf, 1, 2))) static void die_msg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(0, fmt, ap);
    va_end(ap);
    _exit(EXIT_SETUP);
}

/* ---------------------------------------------------------------- syscalls glibc may not wrap */

static int sys_open_tree(int dfd, const char *path, unsigned flags) {
    return (int)syscall(SYS_open_tree, dfd, path, flags);
}
static int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags) {
    return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}
static int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr) {
    return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof *attr);
}
static int sys_fsopen(const char *fs, unsigned flags) { return (int)syscall(SYS_fsopen, fs, flags); }
static int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux) {
    return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
static int sys_fsmount(int fd, unsigned flags, unsigned attrs) { return (int)syscall(SYS_fsmount, fd, flags, attrs); }
static int sys_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
static int sys_openat2(int dfd, const char *path, uint64_t flags, uint64_t resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = flags;
    how.resolve = resolve;
    return (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
}

/* ---------------------------------------------------------------- the spec */

enum { M_BIND, M_TMPFS };

struct mountspec {
    int type;
    const char *source, *target;
    int ro;
    unsigned long long size;
    unsigned mode;
    int fd;         /* detached clone of the bind source, opened before pivot_root */
    int source_dir; /* the bind source is a directory */
};

struct spec {
    long parent_pid;
    const char *report, *rootfs, *empty, *upper, *work, *stubs, *cwd, *hostname, *resolv, *hosts, *pidfile;
    const char **lower, **args, **env, **rt_args, **cleanup_args;
    int nlower, nargs, nenv, nrt, ncleanup;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    int ngroups;
    int net_none, insecure, hide_cgroup2;
    struct mountspec *mounts;
    int nmounts;
};

static struct spec S;

static unsigned long long parse_num(const char *key, const char *v, int base) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, base);
    if (errno || end == v || *end) die_msg("spec: bad number for %s: %s", key, v);
    return n;
}

static void load_spec(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open spec %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0) die("stat spec %s", path);
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) die("malloc");
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) die("read spec %s", path);
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    size_t n = 1;
    for (size_t i = 0; i < got; i++)
        if (!buf[i]) n++;
    S.lower = calloc(n, sizeof(char *));
    S.args = calloc(n + 1, sizeof(char *));
    S.env = calloc(n + 1, sizeof(char *));
    S.rt_args = calloc(n + 1, sizeof(char *));
    S.cleanup_args = calloc(n + 1, sizeof(char *));
    S.groups = calloc(n, sizeof(gid_t));
    S.mounts = calloc(n, sizeof(struct mountspec));
    if (!S.lower || !S.args || !S.env || !S.rt_args || !S.cleanup_args || !S.groups || !S.mounts) die("calloc");
    S.cwd = "/";
    for (char *p = buf, *next; p < buf + got; p = next) {
        next = p + strlen(p) + 1;
        char *eq = strchr(p, '=');
        if (!eq) die_msg("spec: record without '=': %.40s", p);
        *eq = 0;
        const char *k = p, *v = eq + 1;
        struct mountspec *m = S.nmounts ? &S.mounts[S.nmounts - 1] : NULL;
        if (!strcmp(k, "parent-pid")) S.parent_pid = (long)parse_num(k, v, 10);
        else if (!strcmp(k, "report")) S.report = v;
        else if (!strcmp(k, "rootfs")) S.rootfs = v;
        else if (!strcmp(k, "empty")) S.empty = v;
        else if (!strcmp(k, "lower")) S.lower[S.nlower++] = v;
        else if (!strcmp(k, "upper")) S.upper = v;
        else if (!strcmp(k, "work")) S.work = v;
        else if (!strcmp(k, "stubs")) S.stubs = v;
        else if (!strcmp(k, "arg")) S.args[S.nargs++] = v;
        else if (!strcmp(k, "env")) S.env[S.nenv++] = v;
        else if (!strcmp(k, "cwd")) S.cwd = v;
        else if (!strcmp(k, "uid")) S.uid = (uid_t)parse_num(k, v, 10);
        else if (!strcmp(k, "gid")) S.gid = (gid_t)parse_num(k, v, 10);
        else if (!strcmp(k, "group")) S.groups[S.ngroups++] = (gid_t)parse_num(k, v, 10);
        else if (!strcmp(k, "hostname")) S.hostname = v;
        else if (!strcmp(k, "network")) S.net_none = !strcmp(v, "none");
        else if (!strcmp(k, "resolv-conf")) S.resolv = v;
        else if (!strcmp(k, "hosts")) S.hosts = v;
        else if (!strcmp(k, "insecure")) S.insecure = !strcmp(v, "1");
        else if (!strcmp(k, "mount-type")) {
            m = &S.mounts[S.nmounts++];
            m->type = !strcmp(v, "tmpfs") ? M_TMPFS : M_BIND;
            m->fd = -1;
        } else if (!strncmp(k, "mount-", 6)) {
            if (!m) die_msg("spec: %s before mount-type", k);
            if (!strcmp(k, "mount-source")) m->source = v;
            else if (!strcmp(k, "mount-target")) m->target = v;
            else if (!strcmp(k, "mount-ro")) m->ro = !strcmp(v, "1");
            else if (!strcmp(k, "mount-size")) m->size = parse_num(k, v, 10);
            else if (!strcmp(k, "mount-mode")) m->mode = (unsigned)parse_num(k, v, 8);
            else die_msg("spec: unknown key %s", k);
        } else if (!strcmp(k, "runtime-arg")) S.rt_args[S.nrt++] = v;
        else if (!strcmp(k, "cleanup-arg")) S.cleanup_args[S.ncleanup++] = v;
        else if (!strcmp(k, "pid-file")) S.pidfile = v;
        else if (!strcmp(k, "hide-cgroup2")) S.hide_cgroup2 = !strcmp(v, "1");
        else die_msg("spec: unknown key %s", k);
    }
    if (!S.rootfs || !S.upper || !S.work) die_msg("spec: rootfs, upper and work are required");
    if (S.nlower == 0 && !S.empty) die_msg("spec: no lower dir and no empty dir");
    if (S.cwd[0] != '/') die_msg("spec: cwd must be absolute: %s", S.cwd);
    for (int i = 0; i < S.nmounts; i++) {
        struct mountspec *m = &S.mounts[i];
        if (!m->target || m->target[0] != '/') die_msg("spec: mount %d has no absolute target", i);
        if (m->type == M_BIND && !m->source) die_msg("spec: bind mount on %s has no source", m->target);
    }
}

/* ---------------------------------------------------------------- small helpers */

static void write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("open %s", path);
    size_t len = strlen(data);
    if (write(fd, data, len) != (ssize_t)len) die("write %s", path);
    close(fd);
}

/* TERM, INT and HUP are what stop a build: each mode blocks them until its child exists, then handles them. */
static void block_stop_signals(sigset_t *orig) {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, orig);
}

static void on_stop_signals(void (*handler)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = flags;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void reset_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &sa, NULL); /* fails harmlessly for KILL/STOP/RT internals */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int status_code(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return EXIT_SETUP;
}

static int wait_for(pid_t pid) {
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, 0);
        if (r == pid) return st;
        if (r < 0 && errno != EINTR) return -1;
    }
}

/* Runs argv (PATH lookup in the helper's environment) and waits for it; returns the wait status. */
static int run_and_wait(char *const argv[], int quiet_stdout) {
    pid_t pid = fork();
    if (pid < 0) die("fork %s", argv[0]);
    if (pid == 0) {
        reset_signals();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (quiet_stdout) {
            int nul = open("/dev/null", O_WRONLY);
            if (nul >= 0) dup2(nul, 1);
        }
        execvp(argv[0], argv);
        dprintf(2, "jbuild-sandbox: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return wait_for(pid);
}

/* ---------------------------------------------------------------- paths inside the rootfs */

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

static void split_parent(const char *path, char *parent, size_t cap, const char **base) {
    const char *slash = strrchr(path, '/');
    size_t plen = (size_t)(slash - path);
    if (plen == 0) plen = 1; /* "/x" -> "/" */
    if (plen >= cap) die_msg("path too long: %s", path);
    memcpy(parent, path, plen);
    parent[plen] = 0;
    *base = slash + 1;
}

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

/* Reports PATH as created when it was created on the overlay itself (not inside a tmpfs mounted in it). */
static void report_created(int parentfd, const char *path) {
    struct statfs fs;
    if (fstatfs(parentfd, &fs) == 0 && fs.f_type != OVERLAYFS_SUPER_MAGIC) return;
    report("created", path);
}

/* mkdir -p of an absolute path inside the root ROOTFD (symlinks resolve inside it); each directory created is
   reported as created. Returns whether the last component was created. */
static int mkdir_in_root(int rootfd, const char *path) {
    int created = 0;
    char buf[4096];
    size_t len = strlen(path);
    if (len >= sizeof buf) die_msg("path too long: %s", path);
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/') buf[--len] = 0;
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        if (buf[i - 1] == '/') continue; /* "//" */
        char saved = buf[i];
        buf[i] = 0;
        int fd = sys_openat2(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT);
        created = 0;
        if (fd >= 0) {
            close(fd);
        } else if (errno == ENOENT) {
            created = 1;
            char parent[4096];
            const char *base;
            split_parent(buf, parent, sizeof parent, &base);
            int pfd = sys_openat2(rootfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT);
            if (pfd < 0) die("open %s in the rootfs", parent);
            if (mkdirat(pfd, base, 0755) < 0) {
                if (errno == EEXIST) die_msg("create %s in the rootfs: a dangling symbolic link is in the way", buf);
                die("mkdir %s in the rootfs", buf);
            }
            report_created(pfd, buf);
            close(pfd);
        } else {
            die("mkdir %s in the rootfs", buf);
        }
        buf[i] = saved;
    }
    return created;
}

/* Makes sure PATH exists inside the root (an empty file, or a directory when DIR), creating parents. */
static int ensure_in_root(int rootfd, const char *path, int dir) {
    if (dir) return mkdir_in_root(rootfd, path);
    int fd = sys_openat2(rootfd, path, O_PATH | O_CLOEXEC, IN_ROOT);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    char parent[4096];
    const char *base;
    split_parent(path, parent, sizeof parent, &base);
    mkdir_in_root(rootfd, parent);
    int pfd = sys_openat2(rootfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT);
    if (pfd < 0) die("open %s in the rootfs", parent);
    fd = openat(pfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) die_msg("create %s in the rootfs: a dangling symbolic link is in the way", path);
        die("create %s in the rootfs", path);
    }
    close(fd);
    report_created(pfd, path);
    close(pfd);
    return 1;
}

/* PATH is DIR or below it */
static int under(const char *path, const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (n == 1 && dir[0] == '/') return 1;
    return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/* ---------------------------------------------------------------- the overlay */

__attribute__((noreturn)) static void die_fs(int fs, const char *what) {
    int e = errno;
    char log[1024], last[1024] = "";
    ssize_t r;
    while ((r = read(fs, log, sizeof log - 1)) > 0) {
        log[r] = 0;
        if (log[r - 1] == '\n') log[r - 1] = 0;
        snprintf(last, sizeof last, "%s", log);
    }
    errno = e;
    if (last[0]) die("%s (%s)", what, last);
    die("%s", what);
}

static void mount_overlay_legacy(const char *target, int userns, const char *top) {
    size_t cap = 80 + strlen(S.upper) + strlen(S.work) + (S.empty ? strlen(S.empty) : 0) + (top ? strlen(top) + 1 : 0);
    for (int i = 0; i < S.nlower; i++) cap += strlen(S.lower[i]) + 1;
    char *opts = malloc(cap);
    if (!opts) die("malloc");
    strcpy(opts, "lowerdir=");
    if (top) {
        strcat(opts, top);
        strcat(opts, ":");
    }
    if (S.nlower == 0) strcat(opts, S.empty);
    for (int i = 0; i < S.nlower; i++) {
        if (i) strcat(opts, ":");
        strcat(opts, S.lower[i]);
    }
    strcat(opts, ",upperdir=");
    strcat(opts, S.upper);
    strcat(opts, ",workdir=");
    strcat(opts, S.work);
    if (userns) strcat(opts, ",userxattr");
    strcat(opts, ",volatile");
    if (mount("overlay", target, "overlay", 0, opts) < 0) die("mount overlay on %s", target);
    free(opts);
}

/* overlayfs of the lower dirs (top first; TOP, when not NULL, above them) + upper + work on TARGET, through
   the new mount API so that the number of layers is not limited by the size of a mount option page (lowerdir+
   needs Linux 6.8; older kernels get the classic option string). */
static void mount_overlay(const char *target, int userns, const char *top) {
    /* a work dir used by an earlier (volatile) mount carries work/incompat/volatile, which overlayfs refuses;
       the earlier step finished (its upper dir is as it left it unless the machine crashed): allow the reuse */
    char marker[4200];
    snprintf(marker, sizeof marker, "%s/work/incompat/volatile/dirty", S.work);
    if (unlink(marker) == 0 || errno != ENOENT) {
        snprintf(marker, sizeof marker, "%s/work/incompat/volatile", S.work);
        if (rmdir(marker) < 0 && errno != ENOENT) die("remove %s", marker);
        snprintf(marker, sizeof marker, "%s/work/incompat", S.work);
        rmdir(marker);
    }
    int fs = sys_fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0) die("fsopen overlay (is overlayfs available?)");
    int n = S.nlower ? S.nlower : 1;
    for (int i = top ? -1 : 0; i < n; i++) {
        const char *dir = i < 0 ? top : S.nlower ? S.lower[i] : S.empty;
        if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0) {
            if (i == (top ? -1 : 0) && errno == EINVAL) {
                char log[512];
                while (read(fs, log, sizeof log) > 0) {}
                close(fs);
                mount_overlay_legacy(target, userns, top);
                return;
            }
            char what[4200];
            snprintf(what, sizeof what, "mount overlay: lower dir %s", dir);
            die_fs(fs, what);
        }
    }
    if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", S.upper, 0) < 0) die_fs(fs, "mount overlay: upper dir");
    if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "workdir", S.work, 0) < 0) die_fs(fs, "mount overlay: work dir");
    if (userns && sys_fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
        die_fs(fs, "mount overlay: userxattr");
    /* volatile: no sync of the upper filesystem, in particular none when the mount goes away with the
       namespace (which would otherwise sync the whole filesystem under the upper dir, every step). A step's
       upper dir is read back by the layer diff, and a machine that crashes mid-build loses the build anyway. */
    if (sys_fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0) die_fs(fs, "mount overlay: volatile");
    if (sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) die_fs(fs, "mount overlay");
    int mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0) die_fs(fs, "mount overlay (fsmount)");
    if (sys_move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) die("mount overlay on %s", target);
    close(mnt);
    close(fs);
}

/* ---------------------------------------------------------------- mount points the image lacks */

/* The mount points of a run (/proc, /sys, /dev, /etc/hostname, /etc/resolv.conf, /etc/hosts) that the image
   lacks are made in a tmpfs on S.stubs (private to the container's mount namespace) that becomes the overlay's
   top lower layer, rather than through the overlay into the upper directory: a file made there costs an inode
   of the store's file system (slow to allocate on some: ext4 without a journal skips every recently deleted
   inode; with overlay's copy-up of /etc they were a third of a RUN true step), and the upper directory then
   holds only what the command changed. A stub is made only where the name is absent and its parent is the
   root or a plain directory: /etc as a directory without extended attributes, whose owner, mode and times the
   stub copies (a merged directory shows the top layer's, and copy-up takes them from it), or no /etc at all
   (a new 0755 one, as ensure_in_root would make). Anything else is left to ensure_in_root. The image's tree is
   read from a read-only overlay of the lower dirs alone, which is never attached. Returns S.stubs, or NULL
   when there is nothing to stub or the kernel cannot (no lowerdir+: Linux < 6.8). */
struct stub {
    const char *name; /* under "/" or, with a '/', under "/etc" */
    int dir, wanted, needed;
};

/* /etc in the image: 0 absent, 1 a plain directory (its attributes in ST), -1 anything else */
static int probe_etc(int img, struct stat *st) {
    if (fstatat(img, "etc", st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st->st_mode)) return -1;
    int fd = openat(img, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t x = flistxattr(fd, NULL, 0);
    close(fd);
    return x == 0 || (x < 0 && errno == ENOTSUP) ? 1 : -1;
}

static int image_tree(int userns) {
    int fs = sys_fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0) return -1;
    /* without an upper dir overlay wants two layers at least: the empty dir below the image's */
    int ok = 1;
    for (int i = 0; ok && i < S.nlower; i++) ok = sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", S.lower[i], 0) == 0;
    if (ok && S.empty) ok = sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", S.empty, 0) == 0;
    if (ok && userns) ok = sys_fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) == 0;
    if (ok) ok = sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0;
    int mnt = ok ? sys_fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY) : -1;
    close(fs);
    return mnt;
}

static const char *make_stubs(int userns) {
    if (!S.stubs || !S.empty) return NULL;
    struct stub want[] = {{"proc", 1, 1, 0},
                          {"sys", 1, 1, 0},
                          {"dev", 1, 1, 0},
                          {"etc/hostname", 0, S.hostname && *S.hostname, 0},
                          {"etc/resolv.conf", 0, S.resolv != NULL, 0},
                          {"etc/hosts", 0, S.hosts != NULL, 0}};
    size_t nwant = sizeof want / sizeof want[0];
    int img = image_tree(userns);
    if (img < 0) return NULL;
    struct stat etc;
    int etc_state = probe_etc(img, &etc), any = 0, in_etc = 0;
    for (size_t i = 0; i < nwant; i++) {
        struct stub *w = &want[i];
        if (!w->wanted) continue;
        int under_etc = strchr(w->name, '/') != NULL;
        if (under_etc && etc_state < 0) continue;
        struct stat st;
        if (fstatat(img, w->name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) continue;
        w->needed = 1;
        any = 1;
        in_etc |= under_etc;
    }
    close(img);
    if (!any) return NULL;
    if (mount("tmpfs", S.stubs, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0) return NULL;
    int d = open(S.stubs, O_RDONLY | O_DIRECTORY | O_CLOEXEC), etcfd = -1, ok = d >= 0;
    if (ok && in_etc) {
        if (etc_state == 0) {
            ok = mkdirat(d, "etc", 0755) == 0;
        } else {
            ok = mkdirat(d, "etc", 0700) == 0 && fchownat(d, "etc", etc.st_uid, etc.st_gid, AT_SYMLINK_NOFOLLOW) == 0 &&
                 fchmodat(d, "etc", etc.st_mode & 07777, 0) == 0;
        }
        if (ok) ok = (etcfd = openat(d, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0;
    }
    for (size_t i = 0; ok && i < nwant; i++) {
        struct stub *w = &want[i];
        if (!w->needed) continue;
        if (w->dir) {
            ok = mkdirat(d, w->name, 0755) == 0;
        } else {
            int fd = openat(etcfd, strchr(w->name, '/') + 1, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
            ok = fd >= 0;
            if (ok) close(fd);
        }
    }
    if (ok && in_etc && etc_state == 1) {
        struct timespec t[2] = {etc.st_atim, etc.st_mtim};
        ok = utimensat(d, "etc", t, AT_SYMLINK_NOFOLLOW) == 0;
    }
    if (etcfd >= 0) close(etcfd);
    if (d >= 0) close(d);
    if (!ok) {
        /* e.g. an owner this user namespace does not map: the mount points are made the usual way */
        umount2(S.stubs, MNT_DETACH);
        return NULL;
    }
    return S.stubs;
}

/* ---------------------------------------------------------------- capabilities */

/* Docker's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
   NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE (0xa80425fb). */
static const uint64_t DOCKER_CAPS = (1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_FSETID) |
                                    (1ULL << CAP_FOWNER) | (1ULL << CAP_MKNOD) | (1ULL << CAP_NET_RAW) |
                                    (1ULL << CAP_SETGID) | (1ULL << CAP_SETUID) | (1ULL << CAP_SETFCAP) |
                                    (1ULL << CAP_SETPCAP) | (1ULL << CAP_NET_BIND_SERVICE) |
                                    (1ULL << CAP_SYS_CHROOT) | (1ULL << CAP_KILL) | (1ULL << CAP_AUDIT_WRITE);

static int last_cap(void) {
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 63;
    char b[16] = {0};
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    return r > 0 ? atoi(b) : 63;
}

static void drop_bounding(uint64_t keep) {
    int last = last_cap();
    for (int c = 0; c <= last && c < 64; c++) {
        if (keep & (1ULL << c)) continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) die("drop capability %d", c);
    }
}

static void set_caps(uint64_t keep) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0) die("capget");
    uint64_t perm = ((uint64_t)d[1].permitted << 32 | d[0].permitted) & keep;
    d[0].permitted = d[0].effective = (uint32_t)perm;
    d[1].permitted = d[1].effective = (uint32_t)(perm >> 32);
    d[0].inheritable = d[1].inheritable = 0;
    if (syscall(SYS_capset, &h, d) < 0) die("capset");
}

/* ---------------------------------------------------------------- exec with PATH lookup in the given env */

static int g_setgroups_denied;

static const char *env_path(void) {
    for (int i = 0; i < S.nenv; i++)
        if (!strncmp(S.env[i], "PATH=", 5)) return S.env[i] + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

__attribute__((noreturn)) static void exec_failed(int code, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dprintf(2, "jbuild-sandbox: %s\n", msg);
    report("error", msg);
    _exit(code);
}

__attribute__((noreturn)) static void exec_command(void) {
    char **argv = (char **)S.args, **envp = (char **)S.env;
    const char *file = argv[0];
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        int e = errno;
        exec_failed(e == ENOENT ? 127 : 126, "exec \"%s\": %s", file, strerror(e));
    }
    const char *path = env_path();
    int eacces = 0, other = 0;
    char cand[4096];
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, ':');
        size_t dl = (size_t)(end - p);
        if (dl + strlen(file) + 2 < sizeof cand) {
            if (dl == 0) snprintf(cand, sizeof cand, "%s", file);
            else snprintf(cand, sizeof cand, "%.*s/%s", (int)dl, p, file);
            execve(cand, argv, envp);
            if (errno == EACCES) eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP && errno != ENAMETOOLONG) {
                other = errno;
                break;
            }
        }
        if (!*end) break;
        p = end;
    }
    if (other) exec_failed(126, "exec \"%s\": %s", cand, strerror(other));
    if (eacces) exec_failed(126, "exec \"%s\": permission denied", file);
    exec_failed(127, "exec \"%s\": executable file not found in $PATH", file);
}

/* The command: PID 2 of the container. */
__attribute__((noreturn)) static void command_main(void) {
    reset_signals();
    /* A user namespace mapping the caller alone denies setgroups: the image's groups are left out, as runc does
       (only the caller's gid exists there anyway) */
    if (!g_setgroups_denied && setgroups((size_t)S.ngroups, S.groups) < 0) die("setgroups");
    if (setresgid(S.gid, S.gid, S.gid) < 0) {
        if (errno == EINVAL) die("setgid %u (not mapped in the user namespace: add a range to /etc/subgid)",
                                 (unsigned)S.gid);
        die("setgid %u", (unsigned)S.gid);
    }
    if (!S.insecure) drop_bounding(DOCKER_CAPS);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) die("clear ambient caps");
    if (setresuid(S.uid, S.uid, S.uid) < 0) {
        if (errno == EINVAL) die("setuid %u (not mapped in the user namespace: add a range to /etc/subuid)",
                                 (unsigned)S.uid);
        die("setuid %u", (unsigned)S.uid);
    }
    if (S.uid == 0) set_caps(S.insecure ? ~0ULL : DOCKER_CAPS);
    if (chdir(S.cwd) < 0) die("chdir %s", S.cwd);
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    exec_command();
}

/* ---------------------------------------------------------------- the container's init */

static volatile pid_t g_cmd = -1;

static void forward_signal(int sig) {
    if (g_cmd > 0) kill(g_cmd, sig);
}

static int clone_tree(const char *path, int recursive, int ro) {
    int fd = sys_open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    if (fd < 0) return -1;
    if (ro) {
        struct mount_attr a;
        memset(&a, 0, sizeof a);
        a.attr_set = MOUNT_ATTR_RDONLY;
        if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a) < 0)
            die("make the bind mount of %s read-only", path);
    }
    return fd;
}

static void attach(int fd, const char *target) {
    if (sys_move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) die("bind mount on %s", target);
    close(fd);
}

/* Moves the detached mount FD onto PATH inside the root ROOTFD (symlinks resolved inside it). */
static void attach_at(int rootfd, int fd, const char *path) {
    int t = sys_openat2(rootfd, path, O_PATH | O_CLOEXEC, IN_ROOT);
    if (t < 0) die("open mount point %s", path);
    if (sys_move_mount(fd, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) die("mount on %s", path);
    close(t);
    close(fd);
}

/* A fresh filesystem of TYPE (options "k=v,flag,...") mounted on PATH inside the root ROOTFD. */
static void mount_new(int rootfd, const char *path, const char *type, const char *opts, unsigned attrs) {
    int fs = sys_fsopen(type, FSOPEN_CLOEXEC);
    if (fs < 0) die("mount %s (fsopen %s)", path, type);
    if (opts) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", opts);
        for (char *save = NULL, *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(o, '=');
            if (eq) *eq = 0;
            if (sys_fsconfig(fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o, eq ? eq + 1 : NULL, 0) < 0) {
                char what[512];
                snprintf(what, sizeof what, "mount %s: option %s", path, o);
                die_fs(fs, what);
            }
        }
    }
    char what[512];
    snprintf(what, sizeof what, "mount %s on %s", type, path);
    if (sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) die_fs(fs, what);
    int mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, attrs);
    if (mnt < 0) die_fs(fs, what);
    close(fs);
    attach_at(rootfd, mnt, path);
}

static void make_ro(const char *path) {
    struct mount_attr a;
    memset(&a, 0, sizeof a);
    a.attr_set = MOUNT_ATTR_RDONLY;
    if (sys_mount_setattr(AT_FDCWD, path, AT_RECURSIVE, &a) < 0) die("remount %s read-only", path);
}

static void symlink_dev(const char *target, const char *link) {
    if (symlink(target, link) < 0 && errno != EEXIST) die("symlink %s", link);
}

static const char *const DEV_NODES[] = {"null", "zero", "full", "random", "urandom", "tty"};
#define NDEV (sizeof DEV_NODES / sizeof DEV_NODES[0])
static const char *const MASKED[] = {"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                                     "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                     "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                                     "/sys/devices/virtual/powercap"};
static const char *const READONLY[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

static void lo_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket for lo");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die("SIOCGIFFLAGS lo");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die("bring lo up (SIOCSIFFLAGS)");
    close(s);
}

static int init_main(int go_fd, int userns) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char c;
    ssize_t r;
    do r = read(go_fd, &c, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1) _exit(EXIT_SETUP); /* the helper died, or failed to map the ids (it reported why) */
    close(go_fd);

    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make mounts private");
    mount_overlay(S.rootfs, userns, make_stubs(userns));

    /* What comes from the host, cloned as detached mounts before the host's tree goes away. */
    int devfd[NDEV];
    for (size_t i = 0; i < NDEV; i++) {
        char p[64];
        snprintf(p, sizeof p, "/dev/%s", DEV_NODES[i]);
        devfd[i] = clone_tree(p, 0, 0);
        if (devfd[i] < 0 && errno != ENOENT) die("bind %s", p);
    }
    int resolvfd = -1, hostsfd = -1, sysfd = -1;
    if (S.resolv && (resolvfd = clone_tree(S.resolv, 0, 1)) < 0) die("bind %s", S.resolv);
    if (S.hosts && (hostsfd = clone_tree(S.hosts, 0, 1)) < 0) die("bind %s", S.hosts);
    int fresh_sysfs = S.net_none || !userns; /* sysfs may only be mounted by the owner of the net namespace */
    if (!fresh_sysfs && (sysfd = clone_tree("/sys", 1, !S.insecure)) < 0) die("bind /sys");
    for (int i = 0; i < S.nmounts; i++) {
        struct mountspec *m = &S.mounts[i];
        if (m->type != M_BIND) continue;
        struct stat st;
        if (stat(m->source, &st) < 0) die("bind mount source %s", m->source);
        m->source_dir = S_ISDIR(st.st_mode);
        if ((m->fd = clone_tree(m->source, 1, m->ro)) < 0) die("bind %s", m->source);
    }

    /* /proc and /sys before pivot_root: in a user namespace the kernel lets procfs and sysfs be mounted only
       while a fully visible instance is in the mount namespace (mount_too_revealing). */
    int newroot = open(S.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (newroot < 0) die("open %s", S.rootfs);
    unsigned fsattr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    ensure_in_root(newroot, "/proc", 1);
    mount_new(newroot, "/proc", "proc", NULL, fsattr);
    ensure_in_root(newroot, "/sys", 1);
    if (fresh_sysfs) mount_new(newroot, "/sys", "sysfs", NULL, fsattr | (S.insecure ? 0 : MOUNT_ATTR_RDONLY));
    else attach_at(newroot, sysfd, "/sys");
    close(newroot);

    if (chdir(S.rootfs) < 0) die("chdir %s", S.rootfs);
    if (sys_pivot_root(".", ".") < 0) die("pivot_root %s", S.rootfs);
    if (umount2(".", MNT_DETACH) < 0) die("detach the old root");
    if (chdir("/") < 0) die("chdir /");
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) die("open /");

    unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    ensure_in_root(root, "/dev", 1);
    if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0) die("mount /dev");
    for (size_t i = 0; i < NDEV; i++) {
        if (devfd[i] < 0) continue;
        char p[64];
        snprintf(p, sizeof p, "/dev/%s", DEV_NODES[i]);
        int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0) die("create %s", p);
        close(fd);
        attach(devfd[i], p);
    }
    if (mkdir("/dev/pts", 0755) < 0) die("mkdir /dev/pts");
    /* gid 5 (tty) for the ptys unless it is not mapped (a user namespace with the caller alone) */
    const char *pts_opts = userns && g_setgroups_denied ? "newinstance,ptmxmode=0666,mode=0620"
                                                        : "newinstance,ptmxmode=0666,mode=0620,gid=5";
    if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, pts_opts) < 0) die("mount /dev/pts");
    symlink_dev("pts/ptmx", "/dev/ptmx");
    if (mkdir("/dev/shm", 01777) < 0) die("mkdir /dev/shm");
    if (mount("shm", "/dev/shm", "tmpfs", common, "mode=1777,size=65536k") < 0) die("mount /dev/shm");
    if (mkdir("/dev/mqueue", 0755) < 0) die("mkdir /dev/mqueue");
    if (mount("mqueue", "/dev/mqueue", "mqueue", common, NULL) < 0) die("mount /dev/mqueue");
    symlink_dev("/proc/self/fd", "/dev/fd");
    symlink_dev("/proc/self/fd/0", "/dev/stdin");
    symlink_dev("/proc/self/fd/1", "/dev/stdout");
    symlink_dev("/proc/self/fd/2", "/dev/stderr");
    symlink_dev("/proc/kcore", "/dev/core");

    if (!S.insecure) {
        for (size_t i = 0; i < sizeof MASKED / sizeof MASKED[0]; i++) {
            struct stat st;
            if (stat(MASKED[i], &st) < 0) continue;
            int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", MASKED[i], "tmpfs", MS_RDONLY, "size=0")
                                         : mount("/dev/null", MASKED[i], NULL, MS_BIND, NULL);
            if (rc < 0) die("mask %s", MASKED[i]);
        }
        for (size_t i = 0; i < sizeof READONLY / sizeof READONLY[0]; i++) {
            struct stat st;
            if (stat(READONLY[i], &st) < 0) continue;
            if (mount(READONLY[i], READONLY[i], NULL, MS_BIND | MS_REC, NULL) < 0) die("bind %s", READONLY[i]);
            make_ro(READONLY[i]);
        }
    }

    if (S.hostname && *S.hostname) {
        if (sethostname(S.hostname, strlen(S.hostname)) < 0) die("sethostname");
        /* the file lives on the /dev tmpfs only until it is bound: unlinked right after */
        const char *tmp = "/dev/.jbuild-hostname";
        int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0) die("create %s", tmp);
        dprintf(fd, "%s\n", S.hostname);
        close(fd);
        ensure_in_root(root, "/etc/hostname", 0);
        int hfd = clone_tree(tmp, 0, 1);
        if (hfd < 0) die("bind /etc/hostname");
        attach(hfd, "/etc/hostname");
        if (unlink(tmp) < 0) die("unlink %s", tmp);
    }
    if (resolvfd >= 0) {
        ensure_in_root(root, "/etc/resolv.conf", 0);
        attach(resolvfd, "/etc/resolv.conf");
    }
    if (hostsfd >= 0) {
        ensure_in_root(root, "/etc/hosts", 0);
        attach(hostsfd, "/etc/hosts");
    }
    for (int i = 0; i < S.nmounts; i++) {
        struct mountspec *m = &S.mounts[i];
        if (m->type == M_BIND) {
            ensure_in_root(root, m->target, m->source_dir);
            attach(m->fd, m->target);
        } else {
            ensure_in_root(root, m->target, 1);
            char opts[96];
            unsigned mode = m->mode ? m->mode : 01777;
            if (m->size) snprintf(opts, sizeof opts, "mode=%o,size=%llu", mode, m->size);
            else snprintf(opts, sizeof opts, "mode=%o", mode);
            if (mount("tmpfs", m->target, "tmpfs", MS_NOSUID | MS_NODEV | (m->ro ? MS_RDONLY : 0), opts) < 0)
                die("mount tmpfs on %s", m->target);
        }
    }
    mkdir_in_root(root, S.cwd);
    close(root);
    if (S.net_none) lo_up();

    /* Signals stay blocked (from the helper) until the command is forked and the handlers are in place. */
    pid_t pid = fork();
    if (pid < 0) die("fork the command");
    if (pid == 0) command_main();
    g_cmd = pid;
    close(g_report);
    g_report = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    int fwd[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++) sigaction(fwd[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (;;) {
        int st;
        pid_t w = wait(&st);
        if (w == pid) _exit(status_code(st));
        if (w < 0 && errno == ECHILD) _exit(EXIT_SETUP);
    }
}

/* ---------------------------------------------------------------- the user namespace (unprivileged callers) */

struct range {
    unsigned long start, count;
};

/* The first range of NAME (or UID) in /etc/subuid or /etc/subgid. */
static int subid_range(const char *file, const char *name, unsigned long id, struct range *out) {
    FILE *f = fopen(file, "re");
    if (!f) return 0;
    char line[512], idstr[32];
    snprintf(idstr, sizeof idstr, "%lu", id);
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *a = strtok(line, ":\n"), *b = strtok(NULL, ":\n"), *c = strtok(NULL, ":\n");
        if (!a || !b || !c) continue;
        if ((name && !strcmp(a, name)) || !strcmp(a, idstr)) {
            out->start = strtoul(b, NULL, 10);
            out->count = strtoul(c, NULL, 10);
            found = out->count > 0;
        }
    }
    fclose(f);
    return found;
}

/* The user name of UID from /etc/passwd (no NSS in a static binary). */
static char *user_name(uid_t uid) {
    FILE *f = fopen("/etc/passwd", "re");
    if (!f) return NULL;
    char line[1024];
    char *name = NULL;
    while (!name && fgets(line, sizeof line, f)) {
        char *n = strtok(line, ":"), *pw = strtok(NULL, ":"), *u = strtok(NULL, ":");
        (void)pw;
        if (n && u && strtoul(u, NULL, 10) == uid) name = strdup(n);
    }
    fclose(f);
    return name;
}

static int on_path(const char *prog) {
    const char *path = getenv("PATH");
    if (!path) path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    char buf[4096];
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, ':');
        snprintf(buf, sizeof buf, "%.*s/%s", (int)(end - p), p, prog);
        if (access(buf, X_OK) == 0) return 1;
        if (!*end) return 0;
        p = end;
    }
}

struct idmap {
    int use_helpers;
    struct range su, sg;
};

static void plan_idmap(struct idmap *m) {
    memset(m, 0, sizeof *m);
    char *name = user_name(getuid());
    if (subid_range("/etc/subuid", name, getuid(), &m->su) && subid_range("/etc/subgid", name, getuid(), &m->sg) &&
        on_path("newuidmap") && on_path("newgidmap"))
        m->use_helpers = 1;
    free(name);
    g_setgroups_denied = !m->use_helpers;
}

static void write_idmap(pid_t pid, const struct idmap *m) {
    char path[64], buf[256];
    if (!m->use_helpers) {
        /* no subordinate ids: the caller alone, as root */
        snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
        write_file(path, "deny");
        snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
        snprintf(buf, sizeof buf, "0 %u 1\n", (unsigned)getgid());
        write_file(path, buf);
        snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
        snprintf(buf, sizeof buf, "0 %u 1\n", (unsigned)getuid());
        write_file(path, buf);
        return;
    }
    char p[24], id[24], s[24], c[24];
    snprintf(p, sizeof p, "%d", pid);
    snprintf(id, sizeof id, "%u", (unsigned)getuid());
    snprintf(s, sizeof s, "%lu", m->su.start);
    snprintf(c, sizeof c, "%lu", m->su.count);
    char *uargv[] = {"newuidmap", p, "0", id, "1", "1", s, c, NULL};
    int st = run_and_wait(uargv, 0);
    if (st < 0 || status_code(st) != 0) die_msg("newuidmap %s 0 %s 1 1 %s %s failed", p, id, s, c);
    snprintf(id, sizeof id, "%u", (unsigned)getgid());
    snprintf(s, sizeof s, "%lu", m->sg.start);
    snprintf(c, sizeof c, "%lu", m->sg.count);
    char *gargv[] = {"newgidmap", p, "0", id, "1", "1", s, c, NULL};
    st = run_and_wait(gargv, 0);
    if (st < 0 || status_code(st) != 0) die_msg("newgidmap %s 0 %s 1 1 %s %s failed", p, id, s, c);
}

/* Whether this process is in the initial user namespace (its uid_map is the identity of all ids). */
static int initial_userns(void) {
    int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    char b[128];
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    if (r <= 0) return 1;
    b[r] = 0;
    unsigned long in, out, count;
    return sscanf(b, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0 && out == 0 && count == 4294967295UL;
}

/* Whether setgroups(2) is denied in this user namespace (a namespace mapping one id, made unprivileged). */
static int setgroups_denied(void) {
    int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char b[16] = {0};
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    return r > 0 && !strncmp(b, "deny", 4);
}

/* ---------------------------------------------------------------- the helper ("run") */

static volatile pid_t g_child = -1;

static void kill_container(int sig) {
    (void)sig;
    if (g_child > 0) kill(g_child, SIGKILL);
}

static void common_start(const char *spec_path, int deathsig) {
    umask(022);
    load_spec(spec_path);
    if (S.report) {
        g_report = open(S.report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (g_report < 0) die("open report %s", S.report);
    }
    /* die with the JVM: PDEATHSIG, then make sure the parent did not die before it was set */
    if (prctl(PR_SET_PDEATHSIG, deathsig) < 0) die("prctl PR_SET_PDEATHSIG");
    if (S.parent_pid > 0 && getppid() != (pid_t)S.parent_pid) die_msg("the parent process %ld is gone", S.parent_pid);
}

static int run_main(const char *spec_path) {
    common_start(spec_path, SIGKILL);
    if (S.nargs == 0) die_msg("spec: no command");
    /* Unprivileged: a user namespace of the container's own. Already root of a user namespace (jbuild re-ran
       itself in one, see "userns"): no nested one, but the overlay and the mounts as in a user namespace. */
    int userns = geteuid() != 0;
    int in_userns = userns || !initial_userns();
    struct idmap idm;
    if (userns) plan_idmap(&idm);
    else if (in_userns) g_setgroups_denied = setgroups_denied();

    sigset_t orig;
    block_stop_signals(&orig);

    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0) die("pipe");
    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    if (S.net_none) flags |= CLONE_NEWNET;
    if (userns) flags |= CLONE_NEWUSER;
    pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
    if (pid < 0) {
        if (errno == EPERM || errno == ENOSPC || errno == EINVAL)
            die("create namespaces (clone%s)", userns ? " with a user namespace: are unprivileged user namespaces enabled?" : "");
        die("create namespaces (clone)");
    }
    if (pid == 0) {
        close(go[1]);
        _exit(init_main(go[0], in_userns));
    }
    g_child = pid;
    close(go[0]);
    if (userns) write_idmap(pid, &idm);
    if (write(go[1], "g", 1) != 1) die("start the container");
    close(go[1]);
    close(g_report);
    g_report = -1;

    on_stop_signals(kill_container, 0);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    int st = wait_for(pid);
    if (st < 0) die("wait for the container");
    return status_code(st);
}

/* ---------------------------------------------------------------- "oci": overlay + an OCI runtime */

static volatile sig_atomic_t g_kill_requested;
static void request_kill(int sig) {
    (void)sig;
    g_kill_requested = 1;
}
static void on_sigchld(int sig) { (void)sig; }

static pid_t read_pidfile(void) {
    if (!S.pidfile) return -1;
    int fd = open(S.pidfile, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char b[32] = {0};
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    long p = r > 0 ? strtol(b, NULL, 10) : 0;
    return p > 0 ? (pid_t)p : -1;
}

/* Hides the cgroup2 mount of a hybrid layout (in this private mount namespace only), for runtimes that refuse
   the hybrid layout (crun) and run with their cgroup manager disabled. */
static void hide_cgroup2(void) {
    struct statfs fs;
    if (statfs("/sys/fs/cgroup", &fs) < 0 || fs.f_type != TMPFS_MAGIC) return;
    if (statfs("/sys/fs/cgroup/unified", &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC) return;
    if (mount("tmpfs", "/sys/fs/cgroup/unified", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
        die("hide /sys/fs/cgroup/unified");
}

static int oci_main(const char *spec_path) {
    common_start(spec_path, SIGTERM); /* SIGTERM: caught, so that the container is killed and deleted */
    if (S.nrt == 0) die_msg("spec: no runtime-arg");
    if (geteuid() != 0 || !initial_userns())
        die_msg("the OCI runtime executor needs root (use the native executor when unprivileged)");
    if (unshare(CLONE_NEWNS) < 0) die("unshare the mount namespace");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make mounts private");
    if (S.hide_cgroup2) hide_cgroup2();
    mount_overlay(S.rootfs, 0, NULL);

    /* The mount points the runtime would otherwise create in the rootfs, so that they are known (and
       reported); those under another mount's destination are created by the runtime inside that mount. */
    int root = open(S.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) die("open %s", S.rootfs);
    const char *dests[64 + 8];
    int nd = 0;
    ensure_in_root(root, "/proc", 1);
    dests[nd++] = "/proc";
    ensure_in_root(root, "/sys", 1);
    dests[nd++] = "/sys";
    ensure_in_root(root, "/dev", 1);
    dests[nd++] = "/dev";
    if (S.hostname && *S.hostname) ensure_in_root(root, "/etc/hostname", 0);
    if (S.resolv) ensure_in_root(root, "/etc/resolv.conf", 0);
    if (S.hosts) ensure_in_root(root, "/etc/hosts", 0);
    for (int i = 0; i < S.nmounts; i++) {
        struct mountspec *m = &S.mounts[i];
        int nested = 0;
        for (int j = 0; j < nd; j++) nested |= under(m->target, dests[j]);
        if (!nested) {
            int dir = 1;
            if (m->type == M_BIND) {
                struct stat st;
                if (stat(m->source, &st) < 0) die("bind mount source %s", m->source);
                dir = S_ISDIR(st.st_mode);
            }
            if (ensure_in_root(root, m->target, dir) && m->type == M_TMPFS) {
                /* runc gives a tmpfs the mode of an existing mount point, whatever its mode= option says */
                int fd = sys_openat2(root, m->target, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT);
                char p[64];
                snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
                if (fd < 0 || chmod(p, m->mode ? m->mode : 01777) < 0) die("chmod %s in the rootfs", m->target);
                close(fd);
            }
        }
        if (nd < 64) dests[nd++] = m->target;
    }
    int nested = 0;
    for (int j = 0; j < nd; j++) nested |= under(S.cwd, dests[j]);
    if (!nested) mkdir_in_root(root, S.cwd);
    close(root);

    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &orig);
    on_stop_signals(request_kill, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_sigchld;
    sigaction(SIGCHLD, &sa, NULL);

    pid_t rt = fork();
    if (rt < 0) die("fork the runtime");
    if (rt == 0) {
        reset_signals();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execvp(S.rt_args[0], (char **)S.rt_args);
        die("exec %s", S.rt_args[0]);
    }
    close(g_report);
    g_report = -1;
    int st = 0, waited_ms = 0;
    for (;;) {
        pid_t w = waitpid(rt, &st, WNOHANG);
        if (w == rt) break;
        if (!g_kill_requested) {
            sigsuspend(&orig);
            continue;
        }
        pid_t c = read_pidfile();
        if (c > 0) kill(c, SIGKILL);
        else if (waited_ms >= 200) kill(rt, SIGKILL); /* not started yet: stop the runtime itself */
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited_ms += 10;
    }
    if (S.ncleanup) {
        int cst = run_and_wait((char **)S.cleanup_args, 1);
        (void)cst;
    }
    return status_code(st);
}

/* ---------------------------------------------------------------- "userns": jbuild itself in a user namespace */

static volatile pid_t g_userns_child = -1;

static void forward_to_child(int sig) {
    if (g_userns_child > 0) kill(g_userns_child, sig);
}

/* Runs ARGV in a new user namespace where the caller is root and its /etc/subuid and /etc/subgid ranges are ids
   1..N (newuidmap/newgidmap), or where the caller alone is root (no range): what "buildah unshare" does, so that
   an unprivileged jbuild unpacks layers with their owners, reads a step's upper dir in the container's ids and
   removes what its steps made. Signals TERM/INT/HUP are passed on; the exit status is the command's. A failure
   before the command starts exits 125 with an error record in REPORT (the caller then goes on without). */
static int userns_main(const char *report_path, char **argv) {
    g_report = open(report_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (g_report < 0) die("open report %s", report_path);
    /* the caller waits for this helper; if it goes, the command is asked to stop (and cleans up) */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) die("prctl PR_SET_PDEATHSIG");
    if (geteuid() == 0) die_msg("already root: no user namespace needed");
    struct idmap idm;
    plan_idmap(&idm);

    sigset_t orig;
    block_stop_signals(&orig);

    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0) die("pipe");
    pid_t self = getpid();
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid < 0) die("create a user namespace (are unprivileged user namespaces enabled?)");
    if (pid == 0) {
        close(go[1]);
        char c;
        ssize_t r;
        do r = read(go[0], &c, 1);
        while (r < 0 && errno == EINTR);
        if (r != 1) _exit(EXIT_SETUP); /* the ids could not be mapped (reported) */
        close(go[0]);
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) die("become root in the user namespace");
        reset_signals();
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != self) _exit(EXIT_SETUP);
        execvp(argv[0], argv);
        die("exec %s", argv[0]);
    }
    g_userns_child = pid;
    close(go[0]);
    write_idmap(pid, &idm);
    if (write(go[1], "g", 1) != 1) die("start %s", argv[0]);
    close(go[1]);
    close(g_report);
    g_report = -1;

    on_stop_signals(forward_to_child, SA_RESTART);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    int st = wait_for(pid);
    if (st < 0) return EXIT_SETUP;
    return status_code(st);
}

/* ---------------------------------------------------------------- "opaque": read the upper dir's markers */

static size_t g_opaque_base;

static int is_opaque(const char *path, const char *name) {
    char v[8];
    ssize_t n = lgetxattr(path, name, v, sizeof v);
    return n == 1 && v[0] == 'y';
}

static int visit_opaque(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    if (type != FTW_D || ftw->level == 0) return 0;
    if (is_opaque(path, "trusted.overlay.opaque") || is_opaque(path, "user.overlay.opaque")) {
        const char *rel = path + g_opaque_base;
        if (fwrite(rel, 1, strlen(rel) + 1, stdout) == 0) return 1;
    }
    return 0;
}

static int opaque_main(const char *dir) {
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    char *d = strndup(dir, len);
    if (!d) die("malloc");
    g_opaque_base = len;
    if (nftw(d, visit_opaque, 64, FTW_PHYS | FTW_MOUNT) != 0) die("walk %s", d);
    if (fflush(stdout) != 0) die("write");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "version")) {
        printf("jbuild-sandbox %s\n", JBUILD_SANDBOX_VERSION);
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "userns")) return userns_main(argv[2], argv + 3);
    if (argc != 3) {
        dprintf(2, "usage: jbuild-sandbox run|oci SPEC | opaque DIR | userns REPORT COMMAND [ARG...] | version\n");
        return EXIT_SETUP;
    }
    if (!strcmp(argv[1], "run")) return run_main(argv[2]);
    if (!strcmp(argv[1], "oci")) return oci_main(argv[2]);
    if (!strcmp(argv[1], "opaque")) return opaque_main(argv[2]);
    dprintf(2, "jbuild-sandbox: unknown mode %s\n", argv[1]);
    return EXIT_SETUP;
}
