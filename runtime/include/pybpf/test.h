/* SPDX-License-Identifier: MIT */
/*
 * pybpf/test.h -- unit tests written in BPF C, run by pybpf's pytest plugin.
 *
 * A test is up to three programs in sections named by the macros below:
 *
 *   PKTGEN("xdp", "name")  builds the input packet (runs on 3520 zero bytes);
 *   SETUP("xdp", "name")   prepares maps and runs the code under test (often a
 *                          tail call); its return value reaches CHECK as the
 *                          first 4 bytes of the packet;
 *   CHECK("xdp", "name")   asserts, between test_init() and test_finish().
 *
 * pytest collects files named test_*.bpf.c; every CHECK program is a pytest
 * item. Inside a CHECK, TEST("sub", { ... }) groups assertions; test_log()
 * writes to the test's log (trace_printk conversions: %d %i %u %x %ld %lu %lx
 * %lld %llu %llx %p), assert() logs file:line and fails, test_fail() /
 * test_skip() set the status, test_fail_now() / test_skip_now() also leave.
 *
 * Results go to the map suite_result_map (one 8192-byte value) in the wire
 * format Cilium's bpf/tests runner reads (protobuf SuiteResult), so objects
 * built against Cilium's headers run under pybpf too, and a Cilium test file
 * compiles against <pybpf/cilium/common.h>.
 */
#ifndef __PYBPF_TEST_H
#define __PYBPF_TEST_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Test status, as the runner reads it (values of Cilium's TestStatus enum). */
#define TEST_ERROR 0
#define TEST_PASS 1
#define TEST_FAIL 2
#define TEST_SKIP 3

#define PYBPF_RESULT_SIZE 8192

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PYBPF_RESULT_SIZE);
	__uint(max_entries, 1);
} suite_result_map SEC(".maps");

/* Protobuf tags: (field number << 3) | wire type. */
#define __PT_LEN 2
#define __PT_I64 1
#define __PT_VARINT 0
#define __PT_SUITE_TEST (1 << 3 | __PT_LEN)	/* SuiteResult.results */
#define __PT_SUITE_LOG (2 << 3 | __PT_LEN)	/* SuiteResult.suite_log */
#define __PT_TEST_NAME (1 << 3 | __PT_LEN)	/* TestResult.name */
#define __PT_TEST_STATUS (2 << 3 | __PT_VARINT)	/* TestResult.status */
#define __PT_TEST_LOG (3 << 3 | __PT_LEN)	/* TestResult.test_log */
#define __PT_LOG_FMT (1 << 3 | __PT_LEN)	/* Log.fmt */
#define __PT_LOG_ARG (2 << 3 | __PT_I64)	/* Log.args (repeated fixed64) */

/* Number of variadic arguments, 0..8. */
#define __pt_count(...) __pt_count_(_, ##__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define __pt_count_(_, a, b, c, d, e, f, g, h, n, ...) n
#define __pt_cat(a, b) __pt_cat_(a, b)
#define __pt_cat_(a, b) a##b

#define __pt_arg(v)							\
	do {								\
		*(__pt_cur++) = __PT_LOG_ARG;				\
		*(__u64 *)__pt_cur = (__u64)(v);			\
		__pt_cur += 8;						\
	} while (0)
#define __pt_args0()
#define __pt_args1(a) __pt_arg(a)
#define __pt_args2(a, ...) __pt_arg(a); __pt_args1(__VA_ARGS__)
#define __pt_args3(a, ...) __pt_arg(a); __pt_args2(__VA_ARGS__)
#define __pt_args4(a, ...) __pt_arg(a); __pt_args3(__VA_ARGS__)
#define __pt_args5(a, ...) __pt_arg(a); __pt_args4(__VA_ARGS__)
#define __pt_args6(a, ...) __pt_arg(a); __pt_args5(__VA_ARGS__)
#define __pt_args7(a, ...) __pt_arg(a); __pt_args6(__VA_ARGS__)
#define __pt_args8(a, ...) __pt_arg(a); __pt_args7(__VA_ARGS__)

#define __PT_STR(x) __PT_STR_(x)
#define __PT_STR_(x) #x

/* Append a log line: to the current TEST's log, or to the suite's. The message
 * (format + 9 bytes per argument) must stay under 126 bytes: its length is one
 * varint byte. */
#define test_log(fmt, ...)						\
	do {								\
		static const char __pt_fmt[] = fmt;			\
		*(__pt_cur++) = __pt_in_test ? __PT_TEST_LOG : __PT_SUITE_LOG; \
		*(__pt_cur++) = 2 + sizeof(__pt_fmt) +			\
			9 * __pt_count(__VA_ARGS__);			\
		*(__pt_cur++) = __PT_LOG_FMT;				\
		*(__pt_cur++) = sizeof(__pt_fmt);			\
		__builtin_memcpy(__pt_cur, __pt_fmt, sizeof(__pt_fmt));	\
		__pt_cur += sizeof(__pt_fmt);				\
		__pt_cat(__pt_args, __pt_count(__VA_ARGS__))(__VA_ARGS__); \
	} while (0)

#define test_fail()							\
	do {								\
		if (__pt_in_test)					\
			*__pt_status = TEST_FAIL;			\
		else							\
			__pt_result = TEST_FAIL;			\
	} while (0)

#define test_skip()							\
	do {								\
		if (__pt_in_test)					\
			*__pt_status = TEST_SKIP;			\
		else							\
			__pt_result = TEST_SKIP;			\
	} while (0)

/* Leave the current TEST (a one-pass loop), or the whole CHECK outside one. */
#define __pt_leave(status)						\
	if (__pt_in_test) {						\
		*__pt_status = (status);				\
		break;							\
	} else {							\
		return (status);					\
	}

#define test_fail_now() __pt_leave(TEST_FAIL)
#define test_skip_now() __pt_leave(TEST_SKIP)

#define test_error(fmt, ...)						\
	do {								\
		test_log(fmt, ##__VA_ARGS__);				\
		test_fail();						\
	} while (0)

#define test_fatal(fmt, ...)						\
	{								\
		test_log(fmt, ##__VA_ARGS__);				\
		test_fail_now();					\
	}

#define assert(cond)							\
	if (!(cond)) {							\
		test_log("assert failed at " __FILE__ ":" __PT_STR(__LINE__)); \
		test_fail_now();					\
	}

/* Open a CHECK body: find the result buffer, then a one-pass loop that
 * test_fail_now() may leave. */
#define test_init()							\
	char __pt_result = TEST_PASS;					\
	char *__pt_cur, *__pt_status = 0, *__pt_len = 0;		\
	int __pt_in_test = 0;						\
	__u16 __pt_size;						\
	{								\
		__u32 __pt_key = 0;					\
		__pt_cur = bpf_map_lookup_elem(&suite_result_map, &__pt_key); \
		if (!__pt_cur)						\
			return TEST_ERROR;				\
	}								\
	do {

/* A named sub-test: TestResult{name, status, logs}, its length a two-byte varint. */
#define TEST(name, body)						\
	do {								\
		static const char __pt_name[] = name;			\
		*(__pt_cur++) = __PT_SUITE_TEST;			\
		__pt_len = __pt_cur;					\
		__pt_cur += 2;						\
		*(__pt_cur++) = __PT_TEST_NAME;				\
		*(__pt_cur++) = sizeof(__pt_name);			\
		__builtin_memcpy(__pt_cur, __pt_name, sizeof(__pt_name)); \
		__pt_cur += sizeof(__pt_name);				\
		*(__pt_cur++) = __PT_TEST_STATUS;			\
		__pt_status = __pt_cur++;				\
		*__pt_status = TEST_PASS;				\
		__pt_in_test = 1;					\
		do {							\
			body						\
		} while (0);						\
		__pt_size = (__u16)(__pt_cur - __pt_len - 2);		\
		__pt_len[0] = (__u8)((__pt_size & 0x7f) | 0x80);	\
		__pt_len[1] = (__u8)(__pt_size >> 7);			\
		__pt_in_test = 0;					\
	} while (0);

#define test_finish()							\
	} while (0);							\
	return __pt_result

#define PKTGEN(type, name) SEC(type "/test/" name "/pktgen")
#define SETUP(type, name) SEC(type "/test/" name "/setup")
#define CHECK(type, name) SEC(type "/test/" name "/check")

#endif /* __PYBPF_TEST_H */
