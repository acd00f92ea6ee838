/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmdline_socket.h>
#include <stdio.h>
#include <rte_common.h>

#include "cli.h"

/*
 * Socket sessions write their output into a memory file (cmdline writes
 * with plain blocking writes); the control loop moves it to the socket
 * without blocking. Commands run on the control core, which also runs
 * IKE: a client that stops reading must never stall it. Up to
 * CLI_OUT_MAX bytes wait for a slow client; beyond, it is disconnected.
 */
#define CLI_OUT_MAX (64u << 20)

/* A command-file line, as long as cmdline takes one. */
#define CLI_FILE_LINE_MAX 4096

struct session {
	struct cmdline *cl;
	int fd;
	int out_fd; /* memfd (socket sessions), else -1 */
	char *pend; /* output not yet taken by the client */
	size_t pend_len, pend_off;
	bool is_stdin;
	bool from_file; /* a command file's, while it runs */
	bool forget;    /* the line just run held a secret: out of the history */
};

struct cli {
	cmdline_parse_ctx_t *ctx;
	char prompt[32];
	int listen_fd;
	char sock_path[108];
	unsigned n;
	struct session s[CLI_MAX_SESSIONS + 2]; /* + stdin, + a command file */
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
		cmdline_stdin_exit(s->cl); /* restores the terminal, frees */
	else
		cmdline_free(s->cl); /* closes the socket and the memfd */
	free(s->pend);
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

/*
 * The transcript of what a command-file line made cmdline write: its echo
 * first, then the command's output and the next prompt. The echo of a
 * line that held a secret is left out.
 */
static void
file_transcript(int out, bool secret)
{
	off_t n = lseek(out, 0, SEEK_CUR);
	char *text = n > 0 ? malloc((size_t)n) : NULL;
	const char *from;

	if (text != NULL && pread(out, text, (size_t)n, 0) == n) {
		from = text;
		if (secret) {
			const char *eol = memchr(text, '\n', (size_t)n);

			from = eol != NULL ? eol + 1 : text + n;
			fputs("(a line with a key or a PSK, not shown)\n", stdout);
		}
		fwrite(from, 1, (size_t)(text + n - from), stdout);
		fflush(stdout);
		explicit_bzero(text, (size_t)n);
	}
	free(text);
	(void)!ftruncate(out, 0);
	lseek(out, 0, SEEK_SET);
}

int
cli_run_file(struct cli *c, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[CLI_FILE_LINE_MAX];
	struct session *s;
	int in, out;

	if (f == NULL)
		return -errno;
	/* cmdline echoes every character it reads: into a memory file, from
	 * which the transcript goes to stdout a line at a time. It closes
	 * both descriptors when freed; the FILE keeps its own. */
	in = dup(fileno(f));
	out = memfd_create("esphub-cli-file", MFD_CLOEXEC);
	s = &c->s[c->n];
	*s = (struct session){ .fd = in, .out_fd = out, .from_file = true };
	s->cl = in >= 0 && out >= 0 ? cmdline_new(c->ctx, c->prompt, in, out) : NULL;
	if (s->cl == NULL) {
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
		fclose(f);
		return -ENOMEM;
	}
	c->n++; /* for cli_forget_line() and cli_is_remote() */
	file_transcript(out, false);
	while (fgets(line, sizeof(line), f) != NULL) {
		int done = cmdline_in(s->cl, line, (int)strlen(line));

		explicit_bzero(line, sizeof(line));
		file_transcript(out, s->forget);
		s->forget = false;
		if (done < 0)
			break;
	}
	fputs("\n", stdout);
	cmdline_free(s->cl);
	c->n--;
	fclose(f);
	return 0;
}

int
cli_attach_stdin(struct cli *c)
{
	struct cmdline *cl = cmdline_stdin_new(c->ctx, c->prompt);

	if (cl == NULL)
		return -ENOMEM;
	c->s[c->n++] =
		(struct session){ .cl = cl, .fd = STDIN_FILENO, .out_fd = -1, .is_stdin = true };
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

/* Send what the client will take now. False: it is gone. */
static bool
session_flush(struct session *s)
{
	while (s->pend_off < s->pend_len) {
		ssize_t n = send(s->fd, s->pend + s->pend_off, s->pend_len - s->pend_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		s->pend_off += (size_t)n;
	}
	s->pend_off = s->pend_len = 0;
	return true;
}

/* Move what the commands wrote to the pending output. False: too much. */
static bool
session_collect(struct session *s)
{
	off_t n = lseek(s->out_fd, 0, SEEK_CUR);
	char *grown;

	if (n <= 0)
		return n == 0;
	if (s->pend_len + (size_t)n > CLI_OUT_MAX)
		return false;
	grown = realloc(s->pend, s->pend_len + (size_t)n);
	if (grown == NULL)
		return false;
	s->pend = grown;
	if (pread(s->out_fd, s->pend + s->pend_len, (size_t)n, 0) != n)
		return false;
	s->pend_len += (size_t)n;
	return ftruncate(s->out_fd, 0) == 0 && lseek(s->out_fd, 0, SEEK_SET) == 0 &&
	       session_flush(s);
}

static void
accept_session(struct cli *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct session *s;
	int out;

	if (fd < 0)
		return;
	if (c->n >= CLI_MAX_SESSIONS) {
		static const char busy[] = "too many CLI sessions\n";

		(void)!send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		return;
	}
	out = memfd_create("esphub-cli", MFD_CLOEXEC);
	s = &c->s[c->n];
	*s = (struct session){ .fd = fd, .out_fd = out };
	s->cl = out >= 0 ? cmdline_new(c->ctx, c->prompt, fd, out) : NULL;
	if (s->cl == NULL) {
		if (out >= 0)
			close(out);
		close(fd);
		return;
	}
	c->n++;
	if (!session_collect(s)) /* the first prompt */
		session_close(c, c->n - 1);
}

void
cli_forget_line(struct cli *c, const struct cmdline *cl)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->s[i].cl == cl)
			c->s[i].forget = true;
}

bool
cli_is_remote(const struct cli *c, const struct cmdline *cl)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->s[i].cl == cl)
			return !c->s[i].is_stdin && !c->s[i].from_file;
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
	if (cmdline_in(s->cl, buf, (int)n) < 0) {
		if (s->out_fd >= 0)
			(void)session_collect(s); /* its last words, if they fit */
		return false;
	}
	/* cmdline adds a line to the history after running it: drop it now. */
	if (s->forget) {
		rdline_clear_history(cmdline_get_rdline(s->cl));
		s->forget = false;
	}
	return s->out_fd < 0 || session_collect(s);
}

static unsigned
poll_set(const struct cli *c, struct pollfd *pfd)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n; i++)
		pfd[n++] = (struct pollfd){
			.fd = c->s[i].fd,
			.events = (short)(POLLIN |
					  (c->s[i].pend_len > c->s[i].pend_off ? POLLOUT : 0))
		};
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
		if ((pfd[i].revents & POLLOUT) && !session_flush(&c->s[i])) {
			session_close(c, i);
			continue;
		}
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
