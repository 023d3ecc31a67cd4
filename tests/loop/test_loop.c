// SPDX-License-Identifier: MIT
/*
 * The event loop's promises (src/base/loop.h): callbacks for ready fds,
 * removal from inside any callback (of the watch itself or of one whose
 * event is already in the same round), destroy callbacks exactly once,
 * deferred calls after the round, one-shot timers, signals, and the exit
 * code of loop_quit.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/base/loop.h"

struct fixture;

struct watch {
	struct fixture *fx;
	int fd[2]; /* fd[0] watched, fd[1] written to make it ready */
	struct loop_io *io;
	struct watch *other; /* removed by this one's callback, if set */
	unsigned int calls;
	unsigned int destroyed;
	uint32_t events;
	bool remove_self;
	bool defer; /* defer deferred_cb from the callback */
};

struct fixture {
	struct loop *loop;
	struct watch w[3];
	unsigned int deferred_runs;
	unsigned int callbacks_in_round; /* seen by deferred calls */
	unsigned int total_calls;
	unsigned int timer_fired;
	uint64_t timer_at_ms;
	struct loop_timer *timer;
	unsigned int timer_destroyed;
	unsigned int rearm;
	int signo;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void quit_cb(void *data)
{
	struct fixture *fx = data;

	loop_quit(fx->loop, 7);
}

static void watch_destroy(void *data)
{
	struct watch *w = data;

	w->destroyed++;
}

static void deferred_cb(void *data);

static void watch_cb(struct loop_io *io, uint32_t events, void *data)
{
	struct watch *w = data;
	char c;

	w->calls++;
	w->fx->total_calls++;
	w->events = events;
	if (read(w->fd[0], &c, 1) != 1)
		fail_msg("callback without data");
	if (w->other) {
		loop_io_remove(w->other->io);
		w->other->io = NULL;
	}
	if (w->remove_self) {
		loop_io_remove(io);
		w->io = NULL;
	}
	if (w->defer) {
		assert_int_equal(w->fx->deferred_runs, 0);
		assert_int_equal(loop_defer(w->fx->loop, deferred_cb, w->fx, NULL), 0);
	}
}

static void watch_open(struct fixture *fx, struct watch *w)
{
	memset(w, 0, sizeof(*w));
	w->fx = fx;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w->fd), 0);
	assert_int_equal(loop_io_add(fx->loop, w->fd[0], EPOLLIN, watch_cb, w, watch_destroy,
				     &w->io),
			 0);
}

static void watch_kick(struct watch *w)
{
	assert_int_equal(write(w->fd[1], "x", 1), 1);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	unsigned int i;

	if (!fx || loop_new(&fx->loop) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		watch_open(fx, &fx->w[i]);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	unsigned int i;

	loop_free(fx->loop);
	for (i = 0; i < 3; i++) {
		/* every watch destroyed exactly once, by removal or by free */
		if (fx->w[i].destroyed != 1)
			return -1;
		close(fx->w[i].fd[0]);
		close(fx->w[i].fd[1]);
	}
	free(fx);
	return 0;
}

static void test_quit_code(void **state)
{
	struct fixture *fx = *state;

	watch_kick(&fx->w[0]);
	assert_int_equal(loop_defer(fx->loop, quit_cb, fx, NULL), 0);
	assert_int_equal(loop_run(fx->loop), 7);
	assert_int_equal(fx->w[0].calls, 1);
	assert_true(fx->w[0].events & EPOLLIN);
	assert_int_equal(fx->w[1].calls, 0);
	assert_int_equal(loop_io_events(fx->w[0].io), EPOLLIN);
}

/* A quit asked for before the loop runs ends it at once, with its code;
 * the next run is not affected. */
static void test_quit_before_run(void **state)
{
	struct fixture *fx = *state;

	watch_kick(&fx->w[0]);
	loop_quit(fx->loop, 5);
	assert_int_equal(loop_run(fx->loop), 5);
	assert_int_equal(fx->w[0].calls, 0);
	assert_int_equal(loop_defer(fx->loop, quit_cb, fx, NULL), 0);
	assert_int_equal(loop_run(fx->loop), 7);
	assert_int_equal(fx->w[0].calls, 1);
}

static void test_remove_other_in_same_round(void **state)
{
	struct fixture *fx = *state;

	/* Both ready in one round; whichever runs first removes the other,
	 * whose event is already in the round's batch: it must not run. */
	fx->w[0].other = &fx->w[1];
	fx->w[1].other = &fx->w[0];
	watch_kick(&fx->w[0]);
	watch_kick(&fx->w[1]);
	assert_int_equal(loop_defer(fx->loop, quit_cb, fx, NULL), 0);
	assert_int_equal(loop_run(fx->loop), 7);
	assert_int_equal(fx->w[0].calls + fx->w[1].calls, 1);
	assert_int_equal(fx->w[0].destroyed + fx->w[1].destroyed, 1);
	/* the one removed: its destroy ran; the other still watches */
	if (fx->w[0].calls) {
		assert_int_equal(fx->w[1].destroyed, 1);
		assert_null(fx->w[1].io);
		fx->w[0].other = NULL;
	} else {
		assert_int_equal(fx->w[0].destroyed, 1);
		assert_null(fx->w[0].io);
		fx->w[1].other = NULL;
	}
}

static void test_remove_self(void **state)
{
	struct fixture *fx = *state;

	fx->w[2].remove_self = true;
	watch_kick(&fx->w[2]);
	watch_kick(&fx->w[2]);
	assert_int_equal(loop_defer(fx->loop, quit_cb, fx, NULL), 0);
	assert_int_equal(loop_run(fx->loop), 7);
	assert_int_equal(fx->w[2].calls, 1);
	assert_int_equal(fx->w[2].destroyed, 1);
	/* still readable, but no longer watched */
	assert_int_equal(loop_defer(fx->loop, quit_cb, fx, NULL), 0);
	assert_int_equal(loop_run(fx->loop), 7);
	assert_int_equal(fx->w[2].calls, 1);
}

static void test_remove_outside_round(void **state)
{
	struct fixture *fx = *state;

	/* Outside loop_run, removal frees at once: destroy runs now. */
	loop_io_remove(fx->w[1].io);
	assert_int_equal(fx->w[1].destroyed, 1);
	fx->w[1].io = NULL;
	loop_io_remove(NULL);
}

static void deferred_cb(void *data)
{
	struct fixture *fx = data;

	fx->deferred_runs++;
	/* every callback of the round ran before any deferred call */
	assert_int_equal(fx->total_calls, 3);
	if (fx->deferred_runs == 3)
		loop_quit(fx->loop, 0);
}

static void never_cb(void *data)
{
	fail_msg("a cancelled deferred call ran");
}

static void test_defer_after_round(void **state)
{
	struct fixture *fx = *state;
	struct loop_defer *d;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		fx->w[i].defer = true;
		watch_kick(&fx->w[i]);
	}
	assert_int_equal(loop_defer(fx->loop, never_cb, fx, &d), 0);
	loop_defer_cancel(d);
	loop_defer_cancel(NULL);
	/* three ready fds, one round, then the three deferred calls */
	assert_int_equal(loop_run(fx->loop), 0);
	assert_int_equal(fx->deferred_runs, 3);
	assert_int_equal(fx->total_calls, 3);
}

static void timer_cb(struct loop_timer *t, void *data)
{
	struct fixture *fx = data;

	fx->timer_fired++;
	fx->timer_at_ms = now_ms();
	if (fx->rearm) {
		fx->rearm--;
		assert_int_equal(loop_timer_arm(t, 5), 0);
		return;
	}
	loop_quit(fx->loop, 3);
}

static void timer_destroy(void *data)
{
	struct fixture *fx = data;

	fx->timer_destroyed++;
}

static void stop_timer_cb(struct loop_timer *t, void *data)
{
	struct fixture *fx = data;

	loop_quit(fx->loop, 9);
}

static void test_timers(void **state)
{
	struct fixture *fx = *state;
	struct loop_timer *stop;
	uint64_t start;

	assert_int_equal(loop_timer_add(fx->loop, timer_cb, fx, timer_destroy, &fx->timer), 0);
	assert_int_equal(loop_timer_add(fx->loop, stop_timer_cb, fx, NULL, &stop), 0);

	/* One shot, not before its time. */
	start = now_ms();
	assert_int_equal(loop_timer_arm(fx->timer, 20), 0);
	assert_int_equal(loop_run(fx->loop), 3);
	assert_int_equal(fx->timer_fired, 1);
	assert_true(fx->timer_at_ms - start >= 19);

	/* It does not fire again by itself. */
	assert_int_equal(loop_timer_arm(stop, 50), 0);
	assert_int_equal(loop_run(fx->loop), 9);
	assert_int_equal(fx->timer_fired, 1);

	/* Re-armed from its own callback. */
	fx->rearm = 2;
	assert_int_equal(loop_timer_arm(fx->timer, 5), 0);
	assert_int_equal(loop_run(fx->loop), 3);
	assert_int_equal(fx->timer_fired, 4);

	/* Disarmed before it fires: nothing. */
	assert_int_equal(loop_timer_arm(fx->timer, 10), 0);
	assert_int_equal(loop_timer_arm(fx->timer, 0), 0);
	assert_int_equal(loop_timer_arm(stop, 40), 0);
	assert_int_equal(loop_run(fx->loop), 9);
	assert_int_equal(fx->timer_fired, 4);

	/* Removed timers run their destroy once; loop_free takes the rest. */
	loop_timer_remove(fx->timer);
	assert_int_equal(fx->timer_destroyed, 1);
	loop_timer_remove(NULL);
}

static void signal_cb(struct loop *loop, int signo, void *data)
{
	struct fixture *fx = data;

	fx->signo = signo;
	loop_quit(loop, 5);
}

static void test_signal(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(loop_signal_add(fx->loop, SIGUSR1, signal_cb, fx), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(loop_run(fx->loop), 5);
	assert_int_equal(fx->signo, SIGUSR1);
}

static void test_free_destroys(void **state)
{
	struct fixture *fx = *state;

	/* teardown checks every watch is destroyed once by loop_free */
	assert_int_equal(loop_timer_add(fx->loop, timer_cb, fx, timer_destroy, &fx->timer), 0);
	loop_free(fx->loop);
	assert_int_equal(fx->timer_destroyed, 1);
	assert_int_equal(loop_new(&fx->loop), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_quit_code),
		T(test_quit_before_run),
		T(test_remove_other_in_same_round),
		T(test_remove_self),
		T(test_remove_outside_round),
		T(test_defer_after_round),
		T(test_timers),
		T(test_signal),
		T(test_free_destroys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
