/*
 * SHA-256 for dev.jbuild.store.NativeSha256, part of libjbuild-posix: the system's libcrypto (OpenSSL), opened
 * with dlopen on first use, so the library still loads, and the rest of it works, where libcrypto is missing.
 *
 * Why not the JDK's SHA-256: its fast path is a C2 intrinsic, and C2 is what the packaged command would rather
 * not run (cli/src/dist/bin/jbuild): with C1 alone the JDK's code digests at about a sixth of the speed, and
 * digesting layers is most of a big COPY. OpenSSL's SHA256_Update uses the CPU's SHA extensions (or AVX2) from
 * any caller.
 *
 * The context lives in a Java byte array, copied in and out around each call: no native memory to free, and a
 * MessageDigest clone is an array copy. Its layout is OpenSSL's SHA256_CTX (<openssl/sha.h>, unchanged since
 * 0.9.8), declared here so that building needs no OpenSSL headers.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jni.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    unsigned int h[8];
    unsigned int nl, nh;
    unsigned int data[16];
    unsigned int num, md_len;
} sha256_ctx;

static int (*sha256_init)(sha256_ctx *);
static int (*sha256_update)(sha256_ctx *, const void *, size_t);
static int (*sha256_final)(unsigned char *, sha256_ctx *);

/*
 * Opens libcrypto and finds its three functions; answers the context's size in bytes, or 0 when libcrypto or one
 * of the functions is missing. Java calls it once, from a class initialiser (so never concurrently).
 */
JNIEXPORT jint JNICALL Java_dev_jbuild_store_NativeSha256_link(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    static const char *const names[] = {"libcrypto.so.3", "libcrypto.so.1.1"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (h == NULL) continue;
        sha256_init = (int (*)(sha256_ctx *))dlsym(h, "SHA256_Init");
        sha256_update = (int (*)(sha256_ctx *, const void *, size_t))dlsym(h, "SHA256_Update");
        sha256_final = (int (*)(unsigned char *, sha256_ctx *))dlsym(h, "SHA256_Final");
        if (sha256_init != NULL && sha256_update != NULL && sha256_final != NULL) return (jint)sizeof(sha256_ctx);
        dlclose(h);
    }
    return 0;
}

static int load(JNIEnv *env, jbyteArray ctx, sha256_ctx *c) {
    (*env)->GetByteArrayRegion(env, ctx, 0, (jsize)sizeof *c, (jbyte *)c);
    return (*env)->ExceptionCheck(env) ? -1 : 0;
}

static void store(JNIEnv *env, jbyteArray ctx, const sha256_ctx *c) {
    (*env)->SetByteArrayRegion(env, ctx, 0, (jsize)sizeof *c, (const jbyte *)c);
}

JNIEXPORT void JNICALL Java_dev_jbuild_store_NativeSha256_init(JNIEnv *env, jclass cls, jbyteArray ctx) {
    (void)cls;
    sha256_ctx c;
    sha256_init(&c);
    store(env, ctx, &c);
}

/* Digests data[off, off + len); the caller checked the bounds. */
JNIEXPORT void JNICALL Java_dev_jbuild_store_NativeSha256_update(JNIEnv *env, jclass cls, jbyteArray ctx,
                                                                 jbyteArray data, jint off, jint len) {
    (void)cls;
    sha256_ctx c;
    if (load(env, ctx, &c)) return;
    /* Critical: no copy of the data. Hashing a 64 KiB buffer holds the GC off for some tens of microseconds. */
    jbyte *d = (*env)->GetPrimitiveArrayCritical(env, data, NULL);
    if (d == NULL) return; /* an OutOfMemoryError is pending */
    sha256_update(&c, d + off, (size_t)len);
    (*env)->ReleasePrimitiveArrayCritical(env, data, d, JNI_ABORT);
    store(env, ctx, &c);
}

/* Writes the 32-byte digest to out and leaves the context initialised again. */
JNIEXPORT void JNICALL Java_dev_jbuild_store_NativeSha256_finish(JNIEnv *env, jclass cls, jbyteArray ctx,
                                                                 jbyteArray out) {
    (void)cls;
    sha256_ctx c;
    unsigned char md[32];
    if (load(env, ctx, &c)) return;
    sha256_final(md, &c);
    (*env)->SetByteArrayRegion(env, out, 0, 32, (const jbyte *)md);
    sha256_init(&c);
    store(env, ctx, &c);
}
