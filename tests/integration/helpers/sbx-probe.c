/* sbx-probe: a small static program the security integration tests run inside the sandbox.
 * Each subcommand makes one system call (raw, so libc cannot substitute another) and prints
 * "ok" or "errno=<N>" on stdout, exit 0; a usage error exits 2. Subcommands:
 *   mount | umount | ptrace | unshare-user | clone-newns | clone3 | keyctl | getppid | uname
 *   ioctl-tiocsti | ioctl-tiocsti-hi | ioctl-fionread | socket-vsock | socket-unix | socket N
 *   personality QUERY|VALUE | int80 | fds | read PATH | write PATH TEXT
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
