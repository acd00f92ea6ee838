/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmdline_socket.h>
#include <stdio.h>
#include <rte_common.h>

#include "cli.h"

struct session {
	struct cmdline *cl;
	int fd;
	bool is_stdin;
};

struct cli {
	cmdline_parse_ctx_t *ctx;
	char prompt[32];
	int listen_fd;
	char sock_path[108];
	unsigned n;
	struct session s[CLI_MAX_SESSIONS + 1]; /* + stdin */
};

struct cli *
cli_create(cmdline_parse_ctx_t *ctx, const char *prompt)
{
	struct cli *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ctx = ctx;
	c->listen_fd = -1;
	snprintf(c->prompt, sizeof(c->prompt), "%s", prompt);
	return c;
}

static void
session_close(struct cli *c, unsigned i)
{
	struct session *s = &c->s[i];

	if (s->is_stdin)
		cmdline_stdin_exit(s->cl);   /* restores the terminal, frees */
	else
		cmdline_free(s->cl);         /* closes the socket */
	c->s[i] = c->s[--c->n];
}

void
cli_free(struct cli *c)
{
	if (c == NULL)
		return;
	while (c->n > 0)
		session_close(c, c->n - 1);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->sock_path);
	}
	free(c);
}

int
cli_run_file(struct cli *c, const char *path)
{
	/* cmdline_file_new() would discard the output; a transcript goes to stdout. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct cmdline *cl;

	if (fd < 0)
		return -errno;
	cl = cmdline_new(c->ctx, c->prompt, fd, STDOUT_FILENO);
	if (cl == NULL) {
		close(fd);
		return -ENOMEM;
	}
	cmdline_interact(cl);
	cmdline_printf(cl, "\n");
	cmdline_free(cl);
	return 0;
}

int
cli_attach_stdin(struct cli *c)
{
	struct cmdline *cl = cmdline_stdin_new(c->ctx, c->prompt);

	if (cl == NULL)
		return -ENOMEM;
	c->s[c->n++] = (struct session){ .cl = cl, .fd = STDIN_FILENO, .is_stdin = true };
	return 0;
}

int
cli_listen(struct cli *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	c->listen_fd = fd;
	strcpy(c->sock_path, path);
	return 0;
}

static void
accept_session(struct cli *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	struct cmdline *cl;

	if (fd < 0)
		return;
	if (c->n >= CLI_MAX_SESSIONS) {
		static const char busy[] = "too many CLI sessions\n";

		(void)!write(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	cl = cmdline_new(c->ctx, c->prompt, fd, fd);
	if (cl == NULL) {
		close(fd);
		return;
	}
	c->s[c->n++] = (struct session){ .cl = cl, .fd = fd };
}

bool
cli_is_remote(const struct cli *c, const struct cmdline *cl)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->s[i].cl == cl)
			return !c->s[i].is_stdin;
	return false;
}

/* Feed what is readable; false when the session ended. */
static bool
session_read(struct session *s)
{
	char buf[512];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	/* cmdline_in() < 0: the session ran "quit" or hit end of input. */
	return cmdline_in(s->cl, buf, (int)n) >= 0;
}

static unsigned
poll_set(const struct cli *c, struct pollfd *pfd)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n; i++)
		pfd[n++] = (struct pollfd){ .fd = c->s[i].fd, .events = POLLIN };
	if (c->listen_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	return n;
}

void
cli_wait(struct cli *c, int timeout_ms)
{
	struct pollfd pfd[CLI_MAX_SESSIONS + 2];

	(void)poll(pfd, poll_set(c, pfd), timeout_ms);
}

bool
cli_poll(struct cli *c)
{
	struct pollfd pfd[CLI_MAX_SESSIONS + 2];
	unsigned n = poll_set(c, pfd);
	bool stdin_open = true;

	if (poll(pfd, n, 0) <= 0)
		return true;

	/* Walk sessions backwards: closing one moves the last into its slot. */
	for (unsigned i = c->n; i-- > 0;) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (!session_read(&c->s[i])) {
			if (c->s[i].is_stdin)
				stdin_open = false;
			session_close(c, i);
		}
	}
	if (c->listen_fd >= 0 && (pfd[n - 1].revents & POLLIN))
		accept_session(c);
	return stdin_open;
}
