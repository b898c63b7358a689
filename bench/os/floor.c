/* The floor: fork, execve, waitpid, repeat N times. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) { execv(argv[2], argv + 2); _exit(127); }
        int st; waitpid(pid, &st, 0);
    }
    return 0;
}
