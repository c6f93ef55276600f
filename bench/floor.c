/* The floor: the least a sandbox launcher can do (DESIGN §8). clone with new pid, mount, uts,
 * ipc, net and cgroup namespaces, pivot_root into the rootfs, mount /proc, exec /bin/true,
 * wait. Usage: floor ROOTFS */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[1 << 16];
static const char* rootfs;

static int child(void* arg) {
    (void)arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return 10;
    if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) return 11;
    if (chdir(rootfs) != 0) return 12;
    if (syscall(SYS_pivot_root, ".", ".") != 0) return 13;
    if (umount2(".", MNT_DETACH) != 0) return 14;
    if (chdir("/") != 0) return 15;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) return 16;
    char* argv[] = {"/bin/true", NULL};
    char* envp[] = {NULL};
    execve("/bin/true", argv, envp);
    return 127;
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: floor ROOTFS\n");
        return 2;
    }
    rootfs = argv[1];
    int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                CLONE_NEWCGROUP | SIGCHLD;
    pid_t pid = clone(child, stack + sizeof stack, flags, NULL);
    if (pid < 0) {
        perror("clone");
        return 1;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
