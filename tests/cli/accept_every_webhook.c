/*
 * An integration under test for cli.verify that does not verify
 * webhooks: started by integration.start, it listens on
 * KINSYNC_RECEIVER_PORT, answers every POST 200 whatever its signature,
 * and takes each delivery as a cue to import: it runs COMMAND (an order
 * poll) once per delivery, before answering. Stops on SIGTERM, exit 0.
 * `kinsync verify` must fail it on the forged-webhook scenarios.
 *
 * usage: accept_every_webhook COMMAND [ARG...]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <microhttpd.h>

extern char **environ;

static char **command;

/* Runs the import command to its end. */
static void import(void)
{
    pid_t pid;
    int status;

    if (posix_spawnp(&pid, command[0], NULL, NULL, command, environ) == 0)
        waitpid(pid, &status, 0);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *data,
                              size_t *size, void **state)
{
    static const char ok[] = "ok";
    struct MHD_Response *r;
    enum MHD_Result rc;

    (void)cls, (void)url, (void)version, (void)data;
    if (!*state) { /* the headers: wait for the body */
        *state = (void *)1;
        return MHD_YES;
    }
    if (*size) { /* the body: not even looked at */
        *size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") == 0)
        import();
    r = MHD_create_response_from_buffer(sizeof(ok) - 1, (void *)ok,
                                        MHD_RESPMEM_PERSISTENT);
    rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

int main(int argc, char **argv)
{
    const char *port = getenv("KINSYNC_RECEIVER_PORT");
    struct sockaddr_in addr;
    struct MHD_Daemon *d;
    sigset_t set;
    int sig;

    if (argc < 2 || !port) {
        fprintf(stderr, "usage: KINSYNC_RECEIVER_PORT=N %s COMMAND [ARG...]\n",
                argv[0]);
        return 2;
    }
    command = argv + 1;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)strtol(port, NULL, 10));
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, ntohs(addr.sin_port),
                         NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "%s: cannot listen on port %s\n", argv[0], port);
        return 1;
    }
    printf("listening on %s, accepting every delivery\n", port);
    fflush(stdout);
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
