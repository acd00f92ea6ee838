/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * CLI sessions on librte_cmdline: the terminal (-i), a command file, and a
 * unix socket that any number of operators (or tests) connect to. All
 * sessions share one command table and prompt. Control core only: sessions
 * are polled from the control loop, never from a thread of their own.
 */
#ifndef ESPHUB_CLI_H
#define ESPHUB_CLI_H

#include <stdbool.h>

#include <cmdline.h>
#include <cmdline_parse.h>

#define CLI_MAX_SESSIONS 8

struct cli;

/** A CLI over the command table ctx (NULL-terminated instruction list). */
struct cli *cli_create(cmdline_parse_ctx_t *ctx, const char *prompt);

/** Close every session, remove the socket, restore the terminal. */
void cli_free(struct cli *c);

/**
 * Run every command of a file now, in order; the transcript goes to
 * stdout, without the lines cli_forget_line() marked.
 * @return 0, or -errno if the file cannot be opened.
 */
int cli_run_file(struct cli *c, const char *path);

/** Take commands from stdin; end of input counts as "quit". */
int cli_attach_stdin(struct cli *c);

/** Accept sessions on a unix stream socket at path (replacing a stale one). */
int cli_listen(struct cli *c, const char *path);

/**
 * Is cl a socket session? "quit" there ends only that session; on the
 * terminal or in a command file it stops esphub.
 */
bool cli_is_remote(const struct cli *c, const struct cmdline *cl);

/**
 * The line cl is running holds a secret (a key, a PSK): once it has run,
 * the session's history (the up arrow) is emptied, so that no later
 * keystroke brings it back.
 */
void cli_forget_line(struct cli *c, const struct cmdline *cl);

/**
 * Wait up to timeout_ms until a session has input or a connection waits.
 * Runs nothing: the caller may take its locks before cli_poll().
 */
void cli_wait(struct cli *c, int timeout_ms);

/**
 * Serve all sessions without waiting: run complete command lines, accept
 * new connections.
 * @return false once stdin reached its end (the operator is gone).
 */
bool cli_poll(struct cli *c);

#endif /* ESPHUB_CLI_H */
