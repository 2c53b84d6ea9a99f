/*
 * libjbuild-posix: the native methods of dev.jbuild.store.PosixCalls, the few Linux calls the JDK lacks (mknod,
 * lchown, chmod with 07777, symlink/readlink on raw bytes, utimensat without following links, the l*xattr
 * family, geteuid, open/ioctl/close for ext4's directory flags, directory listings, and a tree's removal). Plain C + JNI, libc only; built by Maven
 * (layer-cache/pom.xml) and shipped in the jar, loaded with System.load (see NativeLibraryFile.java).
 *
 * Each method returns the call's result, or -errno when it failed: Java turns that into the same
 * FileSystemException (with its errno) as before. Paths and xattr names come as NUL-terminated byte arrays
 * (Posix.cpath); a null buffer is passed as NULL (the size queries of readlink's and the xattr calls' callers).
 * This loads in a fraction of the time JNA needed (which extracts libjnidispatch and, on Linux, runs
 * "ldconfig -p" when it first looks for libc).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <jni.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* A Java byte array pinned (copied) for one call: NULL for a null array. */
typedef struct {
    jbyteArray array;
    jbyte *bytes;
} bytes_t;

static int get_bytes(JNIEnv *env, jbyteArray array, bytes_t *b) {
    b->array = array;
    b->bytes = NULL;
    if (array == NULL) return 0;
    b->bytes = (*env)->GetByteArrayElements(env, array, NULL);
    return b->bytes == NULL ? -1 : 0; /* NULL: an OutOfMemoryError is pending */
}

/* Releases b; copy_back writes the native bytes back to the Java array (output buffers). */
static void release_bytes(JNIEnv *env, bytes_t *b, int copy_back) {
    if (b->bytes != NULL) (*env)->ReleaseByteArrayElements(env, b->array, b->bytes, copy_back ? 0 : JNI_ABORT);
    b->bytes = NULL;
}

static jlong result(long r) {
    return r < 0 ? -(jlong)errno : (jlong)r;
}

#define PATH(b) ((const char *)(b).bytes)

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_mknod(JNIEnv *env, jclass cls, jbyteArray path, jint mode,
                                                                 jlong dev) {
    (void)cls;
    bytes_t p;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    /* glibc before 2.33 has mknod only as an inline wrapper of __xmknod in <sys/stat.h>: the header handles it. */
    long r = mknod(PATH(p), (mode_t)mode, (dev_t)dev);
    jlong out = result(r);
    release_bytes(env, &p, 0);
    return out;
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_lchown(JNIEnv *env, jclass cls, jbyteArray path, jint uid,
                                                                  jint gid) {
    (void)cls;
    bytes_t p;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    jlong out = result(lchown(PATH(p), (uid_t)(unsigned)uid, (gid_t)(unsigned)gid));
    release_bytes(env, &p, 0);
    return out;
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_chmod(JNIEnv *env, jclass cls, jbyteArray path, jint mode) {
    (void)cls;
    bytes_t p;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    jlong out = result(chmod(PATH(p), (mode_t)mode));
    release_bytes(env, &p, 0);
    return out;
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_symlink(JNIEnv *env, jclass cls, jbyteArray target,
                                                                   jbyteArray linkpath) {
    (void)cls;
    bytes_t t, l;
    if (get_bytes(env, target, &t)) return -ENOMEM;
    if (get_bytes(env, linkpath, &l)) {
        release_bytes(env, &t, 0);
        return -ENOMEM;
    }
    jlong out = result(symlink(PATH(t), PATH(l)));
    release_bytes(env, &l, 0);
    release_bytes(env, &t, 0);
    return out;
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_readlink(JNIEnv *env, jclass cls, jbyteArray path,
                                                                    jbyteArray buf) {
    (void)cls;
    bytes_t p, b;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    if (get_bytes(env, buf, &b)) {
        release_bytes(env, &p, 0);
        return -ENOMEM;
    }
    size_t size = buf == NULL ? 0 : (size_t)(*env)->GetArrayLength(env, buf);
    jlong out = result(readlink(PATH(p), (char *)b.bytes, size));
    release_bytes(env, &b, out > 0);
    release_bytes(env, &p, 0);
    return out;
}

/* times: {atime seconds, atime nanoseconds, mtime seconds, mtime nanoseconds}. */
JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_utimensat(JNIEnv *env, jclass cls, jint dirfd,
                                                                     jbyteArray path, jlong atime_sec,
                                                                     jlong atime_nsec, jlong mtime_sec,
                                                                     jlong mtime_nsec, jint flags) {
    (void)cls;
    bytes_t p;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    struct timespec times[2] = {{.tv_sec = (time_t)atime_sec, .tv_nsec = (long)atime_nsec},
                                {.tv_sec = (time_t)mtime_sec, .tv_nsec = (long)mtime_nsec}};
    jlong out = result(utimensat(dirfd, PATH(p), times, flags));
    release_bytes(env, &p, 0);
    return out;
}

/* value: null to ask for the size; else filled with up to its length. */
JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_lgetxattr(JNIEnv *env, jclass cls, jbyteArray path,
                                                                     jbyteArray name, jbyteArray value) {
    (void)cls;
    bytes_t p, n, v;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    if (get_bytes(env, name, &n)) {
        release_bytes(env, &p, 0);
        return -ENOMEM;
    }
    if (get_bytes(env, value, &v)) {
        release_bytes(env, &n, 0);
        release_bytes(env, &p, 0);
        return -ENOMEM;
    }
    size_t size = value == NULL ? 0 : (size_t)(*env)->GetArrayLength(env, value);
    jlong out = result(lgetxattr(PATH(p), PATH(n), v.bytes, size));
    release_bytes(env, &v, out > 0);
    release_bytes(env, &n, 0);
    release_bytes(env, &p, 0);
    return out;
}

/* list: null to ask for the size; else filled with the NUL-terminated names. */
JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_llistxattr(JNIEnv *env, jclass cls, jbyteArray path,
                                                                      jbyteArray list) {
    (void)cls;
    bytes_t p, l;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    if (get_bytes(env, list, &l)) {
        release_bytes(env, &p, 0);
        return -ENOMEM;
    }
    size_t size = list == NULL ? 0 : (size_t)(*env)->GetArrayLength(env, list);
    jlong out = result(llistxattr(PATH(p), (char *)l.bytes, size));
    release_bytes(env, &l, out > 0);
    release_bytes(env, &p, 0);
    return out;
}

/* value: all of the array is the attribute's value (null: empty). */
JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_lsetxattr(JNIEnv *env, jclass cls, jbyteArray path,
                                                                     jbyteArray name, jbyteArray value, jint flags) {
    (void)cls;
    bytes_t p, n, v;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    if (get_bytes(env, name, &n)) {
        release_bytes(env, &p, 0);
        return -ENOMEM;
    }
    if (get_bytes(env, value, &v)) {
        release_bytes(env, &n, 0);
        release_bytes(env, &p, 0);
        return -ENOMEM;
    }
    size_t size = value == NULL ? 0 : (size_t)(*env)->GetArrayLength(env, value);
    jlong out = result(lsetxattr(PATH(p), PATH(n), v.bytes, size, flags));
    release_bytes(env, &v, 0);
    release_bytes(env, &n, 0);
    release_bytes(env, &p, 0);
    return out;
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_lremovexattr(JNIEnv *env, jclass cls, jbyteArray path,
                                                                        jbyteArray name) {
    (void)cls;
    bytes_t p, n;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    if (get_bytes(env, name, &n)) {
        release_bytes(env, &p, 0);
        return -ENOMEM;
    }
    jlong out = result(lremovexattr(PATH(p), PATH(n)));
    release_bytes(env, &n, 0);
    release_bytes(env, &p, 0);
    return out;
}

/* uid_t is unsigned: returned as a non-negative long. */
JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_geteuid(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return (jlong)(unsigned long)geteuid();
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_open(JNIEnv *env, jclass cls, jbyteArray path, jint flags) {
    (void)cls;
    bytes_t p;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    jlong out = result(open(PATH(p), flags));
    release_bytes(env, &p, 0);
    return out;
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_close(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    return result(close(fd));
}

/* An ioctl whose argument is a pointer to one int (FS_IOC_GETFLAGS/SETFLAGS): arg[0] in and out. */
JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_ioctlInt(JNIEnv *env, jclass cls, jint fd, jlong request,
                                                                    jintArray arg) {
    (void)cls;
    jint value = 0;
    (*env)->GetIntArrayRegion(env, arg, 0, 1, &value);
    if ((*env)->ExceptionCheck(env)) return -EINVAL;
    int v = (int)value;
    jlong out = result(ioctl(fd, (unsigned long)request, &v));
    value = (jint)v;
    (*env)->SetIntArrayRegion(env, arg, 0, 1, &value);
    return out;
}

/*
 * Directory listings with one lstat per entry, relative to the directory's descriptor (no path walk from the root per
 * file), packed in native byte order: a build context of 20,000 files is listed on every build, and the JDK's
 * attribute map per file cost more than the stat itself. "." and ".." are left out, and so is an entry removed
 * between readdir and its stat (as if listed a moment later). On failure: NULL, and errno in err[0].
 *
 * listDirectory, per entry: u16 name length, the name's bytes, u32 st_mode, i64 size, i64 mtime s, u32 mtime ns,
 * i64 ctime s, u32 ctime ns, u64 inode.
 *
 * listDirectoryForDiff, for a layer diff (an overlay upper directory), per entry: u16 name length, the name's bytes,
 * u32 st_mode, u32 uid, u32 gid, u64 dev, u64 ino, u64 rdev, u64 nlink, i64 size, i64 mtime s, u32 mtime ns, i32
 * length of the xattr name list (0: none, or not supported), then that list as llistxattr returns it: what the diff
 * compares, in one call per directory instead of a stat through the JDK and an llistxattr call per file.
 */
static void set_errno(JNIEnv *env, jintArray err, int e) {
    jint v = e;
    (*env)->SetIntArrayRegion(env, err, 0, 1, &v);
}

#define PUT(o, v) do { memcpy((o), &(v), sizeof(v)); (o) += sizeof(v); } while (0)

static jbyteArray list_directory(JNIEnv *env, jbyteArray path, jintArray err, int for_diff) {
    bytes_t p;
    if (get_bytes(env, path, &p)) return NULL;
    /* for_diff: llistxattr needs the entry's path; the directory's, a slash, then the name (at most NAME_MAX) */
    size_t dl = strlen(PATH(p));
    char *full = for_diff ? malloc(dl + 1 + 256 + 1) : NULL;
    if (for_diff && full == NULL) {
        release_bytes(env, &p, 0);
        set_errno(env, err, ENOMEM);
        return NULL;
    }
    if (full != NULL) {
        memcpy(full, PATH(p), dl);
        full[dl] = '/';
    }
    int fd = open(PATH(p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    release_bytes(env, &p, 0);
    if (fd < 0) {
        set_errno(env, err, errno);
        free(full);
        return NULL;
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        close(fd);
        free(full);
        set_errno(env, err, e);
        return NULL;
    }
    size_t cap = 16384, len = 0;
    unsigned char *buf = malloc(cap);
    int failure = buf == NULL ? ENOMEM : 0;
    char xattrs[4096];
    struct dirent *de;
    while (failure == 0) {
        errno = 0;
        de = readdir(d);
        if (de == NULL) {
            failure = errno;
            break;
        }
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue;
            failure = errno;
            break;
        }
        size_t nl = strlen(n);
        ssize_t xl = 0;
        char *xl_buf = xattrs, *big = NULL;
        if (for_diff) {
            memcpy(full + dl + 1, n, nl + 1);
            xl = llistxattr(full, xattrs, sizeof xattrs);
            if (xl < 0 && errno == ERANGE) {
                ssize_t want = llistxattr(full, NULL, 0);
                big = want > 0 ? malloc((size_t)want) : NULL;
                xl = big == NULL ? -1 : llistxattr(full, big, (size_t)want);
                xl_buf = big;
                if (xl < 0) {
                    failure = big == NULL ? ENOMEM : errno;
                    free(big);
                    break;
                }
            } else if (xl < 0) {
                if (errno == ENOENT) continue;
                if (errno != ENOTSUP) {
                    failure = errno;
                    break;
                }
                xl = 0;
            }
        }
        size_t need = for_diff ? 2 + nl + 4 * 3 + 8 * 4 + 8 + 8 + 4 + 4 + (size_t)xl
                               : 2 + nl + 4 + 8 + 8 + 4 + 8 + 4 + 8;
        if (len + need > cap) {
            while (len + need > cap) cap *= 2;
            unsigned char *bigger = realloc(buf, cap);
            if (bigger == NULL) {
                failure = ENOMEM;
                free(big);
                break;
            }
            buf = bigger;
        }
        uint16_t l16 = (uint16_t)nl;
        uint32_t mode = (uint32_t)st.st_mode, mns = (uint32_t)st.st_mtim.tv_nsec;
        int64_t size = (int64_t)st.st_size, msec = (int64_t)st.st_mtim.tv_sec;
        uint64_t ino = (uint64_t)st.st_ino;
        unsigned char *o = buf + len;
        PUT(o, l16);
        memcpy(o, n, nl);
        o += nl;
        PUT(o, mode);
        if (for_diff) {
            uint32_t uid = (uint32_t)st.st_uid, gid = (uint32_t)st.st_gid;
            uint64_t dev = (uint64_t)st.st_dev, rdev = (uint64_t)st.st_rdev, nlink = (uint64_t)st.st_nlink;
            int32_t x32 = (int32_t)xl;
            PUT(o, uid);
            PUT(o, gid);
            PUT(o, dev);
            PUT(o, ino);
            PUT(o, rdev);
            PUT(o, nlink);
            PUT(o, size);
            PUT(o, msec);
            PUT(o, mns);
            PUT(o, x32);
            if (xl > 0) memcpy(o, xl_buf, (size_t)xl);
            free(big);
        } else {
            int64_t csec = (int64_t)st.st_ctim.tv_sec;
            uint32_t cns = (uint32_t)st.st_ctim.tv_nsec;
            PUT(o, size);
            PUT(o, msec);
            PUT(o, mns);
            PUT(o, csec);
            PUT(o, cns);
            PUT(o, ino);
        }
        len += need;
    }
    closedir(d);
    free(full);
    if (failure != 0) {
        free(buf);
        set_errno(env, err, failure);
        return NULL;
    }
    jbyteArray out = (*env)->NewByteArray(env, (jsize)len);
    if (out != NULL) (*env)->SetByteArrayRegion(env, out, 0, (jsize)len, (const jbyte *)buf);
    free(buf);
    return out;
}

JNIEXPORT jbyteArray JNICALL Java_dev_jbuild_store_PosixCalls_listDirectory(JNIEnv *env, jclass cls, jbyteArray path,
                                                                            jintArray err) {
    (void)cls;
    return list_directory(env, path, err, 0);
}

JNIEXPORT jbyteArray JNICALL Java_dev_jbuild_store_PosixCalls_listDirectoryForDiff(JNIEnv *env, jclass cls,
                                                                                   jbyteArray path, jintArray err) {
    (void)cls;
    return list_directory(env, path, err, 1);
}

/*
 * removeTree: removes a file or a directory tree, never following a symlink (each directory is opened relative to
 * its parent with O_NOFOLLOW), opening up directories its owner may not read or write (an overlay's mode-000 work
 * directory, a rootfs snapshot made without root). Returns 0 (also when the path is already gone) or -errno of
 * the first call that failed; the caller then removes what is left its own way, which names the path.
 * One readdir and one unlink per entry, no stat: d_type says which entries are directories.
 */
static int remove_at(int parent, const char *name, unsigned char type, int depth) {
    if (type != DT_DIR) {
        if (unlinkat(parent, name, 0) == 0 || errno == ENOENT) return 0;
        if (errno != EISDIR && !(type == DT_UNKNOWN && errno == EPERM)) return -errno;
    }
    if (depth > 1024) return -ELOOP;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES && fchmodat(parent, name, 0700, 0) == 0) {
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) return errno == ENOENT ? 0 : -errno;
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700) fchmod(fd, (st.st_mode & 07777) | 0700);
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    int failure = 0;
    /* Entries are removed while the directory is read; a second pass catches any a first one skipped. */
    for (int pass = 0; pass < 2 && failure == 0; pass++) {
        int removed = 0;
        struct dirent *e;
        errno = 0;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
            failure = remove_at(fd, e->d_name, e->d_type, depth + 1);
            if (failure) break;
            removed++;
            errno = 0;
        }
        if (failure == 0 && errno != 0) failure = -errno;
        if (removed == 0) break;
        rewinddir(d);
    }
    closedir(d);
    if (failure) return failure;
    if (unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT) return -errno;
    return 0;
}

JNIEXPORT jlong JNICALL Java_dev_jbuild_store_PosixCalls_removeTree(JNIEnv *env, jclass cls, jbyteArray path) {
    bytes_t p;
    if (get_bytes(env, path, &p)) return -ENOMEM;
    int r = remove_at(AT_FDCWD, PATH(p), DT_UNKNOWN, 0);
    release_bytes(env, &p, 0);
    return r;
}
