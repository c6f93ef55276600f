/* The floor for bench/run.sh: the least a launcher must do to start /bin/true in a private
 * root -- clone into new pid, mount, uts, ipc, net and cgroup namespaces, make / private, bind
 * the rootfs onto itself, pivot_root into it, mount a fresh /proc, exec, and reap. No cgroup,
 * no seccomp, no error reporting beyond an exit status: anything a real launcher adds on top
 * is its overhead. Root only.   usage: floor ROOTFS [CMD]   (CMD defaults to /bin/true) */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* g_root;
static const char* g_cmd = "/bin/true";
static char g_stack[64 * 1024] __attribute__((aligned(16)));

static int child(void* arg) {
    (void)arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return 10;
    if (mount(g_root, g_root, NULL, MS_BIND | MS_REC, NULL) != 0) return 11;
    if (chdir(g_root) != 0) return 12;
    /* pivot_root(".", ".") stacks the old root on top of the new one; detach it. */
    if (syscall(SYS_pivot_root, ".", ".") != 0) return 13;
    if (umount2(".", MNT_DETACH) != 0) return 14;
    if (chdir("/") != 0) return 15;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) return 16;
    char* const argv[] = {(char*)g_cmd, NULL};
    execv(g_cmd, argv);
    return 127;
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: floor ROOTFS [CMD]\n");
        return 2;
    }
    g_root = argv[1];
    if (argc > 2) g_cmd = argv[2];
    int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                CLONE_NEWCGROUP | SIGCHLD;
    pid_t pid = clone(child, g_stack + sizeof g_stack, flags, NULL);
    if (pid < 0) {
        perror("clone");
        return 125;
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) return 125;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
