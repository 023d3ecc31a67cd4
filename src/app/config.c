// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/app/config.h"

struct config {
	char *store; /* the words, each ended by a NUL */
	char **argv; /* the combined command line, for the result */
};

int config_path(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("VUSB_CONFDIR");
	size_t i;
	int n;

	if (!name || !*name)
		return -EINVAL;
	if (strchr(name, '/')) {
		n = snprintf(buf, size, "%s", name);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	if (name[0] == '.')
		return -EINVAL;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-' || c == '@'))
			return -EINVAL;
	}
	if (!dir || !*dir)
		dir = CONFIG_DIR;
	n = snprintf(buf, size, "%s/%s.conf", dir, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int config_read(const char *path, char **ret, size_t *ret_len)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(CONFIG_MAX_SIZE + 2);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	/* One byte more than allowed tells a file that is too big. */
	while (len <= CONFIG_MAX_SIZE) {
		n = read(fd, buf + len, CONFIG_MAX_SIZE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			if (r < 0) {
				free(buf);
				close(fd);
				return r;
			}
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > CONFIG_MAX_SIZE) {
		free(buf);
		return -EFBIG;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

struct entry {
	unsigned int line;
	unsigned int first; /* index of its first word */
	unsigned int nwords;
	bool program; /* program options, not a device */
};

struct parse {
	const char *file;
	struct strbuf *err;
	char *store;
	size_t used;
	char **words;
	unsigned int *word_line;
	unsigned int nwords;
	struct entry *entries;
	unsigned int nentries;
};

static int fail(struct parse *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		strbuf_printf(p->err, "%s:%u: %s", p->file, line, msg);
	else
		strbuf_printf(p->err, "%s: %s", p->file, msg);
	return -EINVAL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split one line into words, appended to p->words. */
static int split(struct parse *p, const char *s, size_t len, unsigned int line)
{
	const char *end = s + len;

	while (s < end) {
		char *w;

		while (s < end && blank(*s))
			s++;
		if (s == end || *s == '#')
			break;
		if (p->nwords >= CONFIG_MAX_WORDS)
			return fail(p, line, "too many words (more than %d in a file)",
				    CONFIG_MAX_WORDS);
		w = p->store + p->used;
		while (s < end && !blank(*s)) {
			char q = *s;

			if (q == '\'' || q == '"') {
				for (s++; s < end && *s != q; s++) {
					if (q == '"' && *s == '\\' && s + 1 < end)
						s++;
					p->store[p->used++] = *s;
				}
				if (s == end)
					return fail(p, line, "unterminated %c quote", q);
				s++;
			} else if (q == '\\') {
				if (++s == end)
					return fail(p, line, "backslash at the end of the line (to continue a device, start the next line with blanks)");
				p->store[p->used++] = *s++;
			} else {
				p->store[p->used++] = *s++;
			}
		}
		p->store[p->used++] = '\0';
		p->word_line[p->nwords] = line;
		p->words[p->nwords++] = w;
	}
	return 0;
}

/* Look at the bytes of one line before splitting it. */
static int check_line(struct parse *p, const char *s, size_t len, unsigned int line)
{
	size_t i;

	if (len > CONFIG_LINE_MAX)
		return fail(p, line, "line longer than %d characters", CONFIG_LINE_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			return fail(p, line, "carriage return (DOS line ends? convert the file with dos2unix)");
		if (c == '\0')
			return fail(p, line, "NUL byte (not a text file?)");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, line, "control character 0x%02x", c);
	}
	return 0;
}

static int read_entries(struct parse *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len;
	unsigned int line = 0;
	bool any_device = false;
	int r;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		unsigned int first = p->nwords;
		struct entry *e;

		line++;
		r = check_line(p, s, n, line);
		if (r == 0)
			r = split(p, s, n, line);
		if (r < 0)
			return r;
		if (p->nwords > first && blank(s[0])) {
			if (!p->nentries)
				return fail(p, line, "an indented line continues the device above it, but there is none");
			p->entries[p->nentries - 1].nwords += p->nwords - first;
		} else if (p->nwords > first) {
			const char *w = p->words[first];
			bool program = w[0] == '-' && w[1] != '\0';

			if (program && any_device)
				return fail(p, line, "program option '%s' after the first device: put program options first, or indent the line to continue the device above",
					    w);
			any_device |= !program;
			e = &p->entries[p->nentries++];
			e->line = line;
			e->first = first;
			e->nwords = p->nwords - first;
			e->program = program;
		}
		s = nl ? nl + 1 : end;
	}
	return 0;
}

/* Options that say how to run, not what to attach. */
static int check_words(struct parse *p)
{
	static const char *const exact[] = { "-d", "--daemon", "--pidfile", "--config",
					     "-h", "--help",   "-V",	    "--version" };
	unsigned int i;
	size_t k;

	for (i = 0; i < p->nwords; i++) {
		const char *w = p->words[i];

		for (k = 0; k < sizeof(exact) / sizeof(exact[0]); k++)
			if (strcmp(w, exact[k]) == 0)
				break;
		if (k < sizeof(exact) / sizeof(exact[0]) || strncmp(w, "--pidfile=", 10) == 0 ||
		    strncmp(w, "--config=", 9) == 0)
			return fail(p, p->word_line[i], "'%s' belongs on the command line, not in a configuration file",
				    w);
	}
	return 0;
}

/*
 * argv: base[0], the program entries when programs, the rest of base (the
 * command line's program options: later, so they override the file's, as
 * a daemon's command line does), then the device entry of index device
 * (-1: none, -2: all), then extra.
 */
static int build(struct parse *p, char **base, int nbase, bool programs, int device,
		 char **extra, int nextra, char ***ret, int *ret_argc)
{
	char **argv = calloc((size_t)nbase + p->nwords + (size_t)nextra + 1, sizeof(*argv));
	unsigned int i, k;
	int argc = 0;

	if (!argv)
		return -ENOMEM;
	if (nbase > 0)
		argv[argc++] = base[0];
	for (i = 0; programs && i < p->nentries; i++) {
		const struct entry *e = &p->entries[i];

		if (!e->program)
			continue;
		for (k = 0; k < e->nwords; k++)
			argv[argc++] = p->words[e->first + k];
	}
	for (k = 1; k < (unsigned int)nbase; k++)
		argv[argc++] = base[k];
	for (i = 0; i < p->nentries; i++) {
		const struct entry *e = &p->entries[i];

		if (e->program || (device != -2 && device != (int)i))
			continue;
		for (k = 0; k < e->nwords; k++)
			argv[argc++] = p->words[e->first + k];
	}
	for (k = 0; k < (unsigned int)nextra; k++)
		argv[argc++] = extra[k];
	*ret = argv;
	*ret_argc = argc;
	return 0;
}

/* cli_parse() on a command line; its message prefixed with where. */
static int try_parse(struct parse *p, char **argv, int argc, unsigned int line, struct cli *scratch)
{
	struct strbuf msg = { 0 };
	int r = cli_parse(argc, argv, scratch, &msg);

	if (r == -EINVAL)
		fail(p, line, "%s", strbuf_str(&msg));
	strbuf_free(&msg);
	return r;
}

int config_parse(const char *text, size_t len, const char *file, int argc, char **argv,
		 struct config **ret_cf, struct cli *ret, struct strbuf *err)
{
	struct parse p = { .file = file, .err = err };
	struct config *cf = NULL;
	struct cli *scratch = NULL;
	char **base = NULL, **cmd = NULL;
	char *config_opt[2] = { "--config", (char *)file };
	int nbase = 0, ncmd, i, r = -ENOMEM;
	unsigned int e;
	bool any_device = false;

	if (len > CONFIG_MAX_SIZE)
		return fail(&p, 0, "larger than %d bytes", CONFIG_MAX_SIZE);
	p.store = malloc(2 * len + 2);
	p.words = calloc(CONFIG_MAX_WORDS, sizeof(*p.words));
	p.word_line = calloc(CONFIG_MAX_WORDS, sizeof(*p.word_line));
	p.entries = calloc(CONFIG_MAX_WORDS, sizeof(*p.entries));
	scratch = malloc(sizeof(*scratch));
	base = calloc((size_t)argc + 1, sizeof(*base));
	cf = calloc(1, sizeof(*cf));
	if (!p.store || !p.words || !p.word_line || !p.entries || !scratch || !base || !cf)
		goto out;

	r = read_entries(&p, text, len);
	if (r == 0)
		r = check_words(&p);
	if (r < 0)
		goto out;

	/* The command line's own program options, without --config. */
	for (i = 0; i < argc; i++) {
		if (i > 0 && strcmp(argv[i], "--config") == 0) {
			i++;
			continue;
		}
		if (i > 0 && strncmp(argv[i], "--config=", 9) == 0)
			continue;
		base[nbase++] = argv[i];
	}

	/* Each entry against what comes before it, so that an error names
	 * its line; a device with all the program options. */
	for (e = 0; e < p.nentries; e++) {
		const struct entry *en = &p.entries[e];

		if (en->program) {
			/* Program options alone: --config stands in for the
			 * devices cli_parse() otherwise wants. */
			unsigned int saved = p.nentries;

			p.nentries = e + 1;
			r = build(&p, base, nbase, true, -1, config_opt, 2, &cmd, &ncmd);
			p.nentries = saved;
		} else {
			any_device = true;
			r = build(&p, base, nbase, true, (int)e, NULL, 0, &cmd, &ncmd);
		}
		if (r == 0)
			r = try_parse(&p, cmd, ncmd, en->line, scratch);
		free(cmd);
		cmd = NULL;
		if (r < 0)
			goto out;
	}
	if (!any_device) {
		r = fail(&p, 0, "no device (a line such as 'mouse' adds one)");
		goto out;
	}
	r = build(&p, base, nbase, true, -2, NULL, 0, &cmd, &ncmd);
	if (r == 0)
		r = try_parse(&p, cmd, ncmd, 0, scratch);
	if (r < 0)
		goto out;
	cf->store = p.store;
	cf->argv = cmd;
	p.store = NULL;
	cmd = NULL;
	*ret = *scratch;
	*ret_cf = cf;
	cf = NULL;
	r = 0;
out:
	free(cmd);
	config_free(cf);
	free(base);
	free(scratch);
	free(p.store);
	free(p.words);
	free(p.word_line);
	free(p.entries);
	return r;
}

void config_free(struct config *cf)
{
	if (!cf)
		return;
	free(cf->store);
	free(cf->argv);
	free(cf);
}
