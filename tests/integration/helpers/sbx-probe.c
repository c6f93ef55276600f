/* sbx-probe: a small static program the security integration tests run inside the sandbox.
 * Each subcommand makes one system call (raw, so libc cannot substitute another) and prints
 * "ok" or "errno=<N>" on stdout, exit 0; a usage error exits 2. Subcommands:
 *   mount | umount | ptrace | unshare-user | clone-newns | clone3 | keyctl | getppid | uname
 *   ioctl-tiocsti | ioctl-tiocsti-hi | ioctl-fionread | socket-vsock | socket-unix | socket N
 *   personality QUERY|VALUE | int80 | fds | read PATH | write PATH TEXT
 * and, for the `sandbox exec` confinement suite (test_exec_confinement.cpp):
 *   cat PATH                  the file's content (e.g. /proc/self/status), or errno=N
 *   open-by-handle DIR TYPE HEX  open_by_handle_at(open(DIR), {TYPE, HEX bytes}) and read it:
 *                             "ok bytes=N" (the file behind a host handle was read) or errno=N
 *   session-keyring           keyctl(KEYCTL_GET_KEYRING_ID, session): "id=N" or errno=N
 *   env | cwd                 the environment (one per line) | getcwd()
 *   sid                       "sid=S pid=P" (S == P after setsid())
 *   ttyname                   "tty=/dev/pts/N dev=D" for fd 0, or "notty"
 *   create PATH               open(PATH, O_CREAT|O_WRONLY): ok or errno=N
 *   readlink PATH...          each link's target ("errno=N" for one that cannot be read)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(long r) {
    if (r < 0) {
        printf("errno=%d\n", errno);
    } else {
        printf("ok\n");
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: sbx-probe COMMAND [ARGS]\n");
        return 2;
    }
    const char* cmd = argv[1];
    errno = 0;
    if (strcmp(cmd, "mount") == 0) {
        return report(syscall(SYS_mount, "none", "/tmp", "tmpfs", 0L, NULL));
    }
    if (strcmp(cmd, "umount") == 0) {
        return report(syscall(SYS_umount2, "/proc", 2 /* MNT_DETACH */));
    }
    if (strcmp(cmd, "ptrace") == 0) {
        return report(syscall(SYS_ptrace, PTRACE_TRACEME, 0L, 0L, 0L));
    }
    if (strcmp(cmd, "unshare-user") == 0) {
        return report(syscall(SYS_unshare, CLONE_NEWUSER));
    }
    if (strcmp(cmd, "clone-newns") == 0) {
        long r = syscall(SYS_clone, (long)(CLONE_NEWNS | SIGCHLD), 0L, 0L, 0L, 0L);
        if (r == 0) {
            _exit(0);
        }
        return report(r);
    }
    if (strcmp(cmd, "clone3") == 0) {
        return report(syscall(SYS_clone3, NULL, 0L));
    }
    if (strcmp(cmd, "keyctl") == 0) {
        return report(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL));
    }
    if (strcmp(cmd, "getppid") == 0) {
        return report(syscall(SYS_getppid));
    }
    if (strcmp(cmd, "uname") == 0) {
        char buf[512];
        return report(syscall(SYS_uname, buf));
    }
    if (strcmp(cmd, "ioctl-tiocsti") == 0) {
        char c = 'x';
        return report(syscall(SYS_ioctl, 0L, (long)TIOCSTI, &c));
    }
    if (strcmp(cmd, "ioctl-tiocsti-hi") == 0) {
        char c = 'x';
        return report(syscall(SYS_ioctl, 0L, (1L << 32) | (long)TIOCSTI, &c));
    }
    if (strcmp(cmd, "ioctl-fionread") == 0) {
        int fds[2];
        int n = 0;
        if (pipe(fds) != 0) {
            return report(-1);
        }
        return report(syscall(SYS_ioctl, (long)fds[0], (long)FIONREAD, &n));
    }
    if (strcmp(cmd, "socket-vsock") == 0) {
        return report(syscall(SYS_socket, 40L /* AF_VSOCK */, (long)SOCK_STREAM, 0L));
    }
    if (strcmp(cmd, "socket") == 0 && argc == 3) {
        return report(syscall(SYS_socket, strtol(argv[2], NULL, 0), (long)SOCK_DGRAM, 0L));
    }
    if (strcmp(cmd, "socket-unix") == 0) {
        return report(syscall(SYS_socket, (long)AF_UNIX, (long)SOCK_STREAM, 0L));
    }
    if (strcmp(cmd, "personality") == 0 && argc == 3) {
        return report(syscall(SYS_personality, strtoul(argv[2], NULL, 0)));
    }
    if (strcmp(cmd, "int80") == 0) {
#if defined(__x86_64__)
        long ret = 20; /* i386 getpid */
        __asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
        printf("int80 returned %ld\n", ret);
        return 0;
#else
        printf("not x86_64\n");
        return 3;
#endif
    }
    if (strcmp(cmd, "fds") == 0) {
        /* Every open fd except the directory stream's own. */
        DIR* d = opendir("/proc/self/fd");
        if (d == NULL) {
            return report(-1);
        }
        int self = dirfd(d);
        struct dirent* e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || atoi(e->d_name) == self) {
                continue;
            }
            printf("%s\n", e->d_name);
        }
        closedir(d);
        return 0;
    }
    if (strcmp(cmd, "read") == 0 && argc == 3) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return report(-1);
        }
        char buf[4096];
        long total = 0;
        long n;
        while ((n = read(fd, buf, sizeof buf)) > 0) {
            total += n;
        }
        if (n < 0) {
            return report(-1);
        }
        printf("bytes=%ld\n", total);
        return 0;
    }
    if (strcmp(cmd, "cat") == 0 && argc == 3) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return report(-1);
        }
        char buf[4096];
        long n;
        while ((n = read(fd, buf, sizeof buf)) > 0) {
            fwrite(buf, 1, (size_t)n, stdout);
        }
        return 0;
    }
    if (strcmp(cmd, "open-by-handle") == 0 && argc == 5) {
        size_t len = strlen(argv[4]) / 2;
        struct file_handle* h = malloc(sizeof *h + len);
        if (h == NULL) {
            return report(-1);
        }
        h->handle_bytes = (unsigned)len;
        h->handle_type = atoi(argv[3]);
        for (size_t i = 0; i < len; ++i) {
            unsigned v = 0;
            sscanf(argv[4] + 2 * i, "%2x", &v);
            h->f_handle[i] = (unsigned char)v;
        }
        int mount_fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (mount_fd < 0) {
            return report(-1);
        }
        long fd = syscall(SYS_open_by_handle_at, (long)mount_fd, h, (long)(O_RDONLY | O_CLOEXEC));
        if (fd < 0) {
            return report(-1);
        }
        char buf[4096];
        long total = 0;
        long n;
        while ((n = read((int)fd, buf, sizeof buf)) > 0) {
            total += n;
        }
        printf("ok bytes=%ld\n", total);
        return 0;
    }
    if (strcmp(cmd, "session-keyring") == 0) {
        long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, (long)KEY_SPEC_SESSION_KEYRING, 0L);
        if (id < 0) {
            return report(-1);
        }
        printf("id=%ld\n", id);
        return 0;
    }
    if (strcmp(cmd, "env") == 0) {
        extern char** environ;
        for (char** e = environ; *e != NULL; ++e) {
            printf("%s\n", *e);
        }
        return 0;
    }
    if (strcmp(cmd, "cwd") == 0) {
        char buf[4096];
        if (syscall(SYS_getcwd, buf, sizeof buf) < 0) {
            return report(-1);
        }
        printf("%s\n", buf);
        return 0;
    }
    if (strcmp(cmd, "sid") == 0) {
        printf("sid=%ld pid=%ld\n", syscall(SYS_getsid, 0L), syscall(SYS_getpid));
        return 0;
    }
    if (strcmp(cmd, "ttyname") == 0) {
        char link[256];
        ssize_t n = readlink("/proc/self/fd/0", link, sizeof link - 1);
        struct stat st;
        if (n < 0 || fstat(0, &st) != 0 || !isatty(0)) {
            printf("notty\n");
            return 0;
        }
        link[n] = '\0';
        printf("tty=%s dev=%lu\n", link, (unsigned long)st.st_dev);
        return 0;
    }
    if (strcmp(cmd, "readlink") == 0) {
        for (int i = 2; i < argc; ++i) {
            char link[512];
            ssize_t n = readlink(argv[i], link, sizeof link - 1);
            if (n < 0) {
                printf("%s errno=%d\n", argv[i], errno);
            } else {
                link[n] = '\0';
                printf("%s %s\n", argv[i], link);
            }
        }
        return 0;
    }
    if (strcmp(cmd, "create") == 0 && argc == 3) {
        return report(syscall(SYS_openat, (long)AT_FDCWD, argv[2],
                              (long)(O_CREAT | O_WRONLY | O_CLOEXEC), 0600L));
    }
    if (strcmp(cmd, "write") == 0 && argc == 4) {
        int fd = open(argv[2], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            return report(-1);
        }
        return report(write(fd, argv[3], strlen(argv[3])));
    }
    fprintf(stderr, "sbx-probe: unknown command '%s'\n", cmd);
    return 2;
}
