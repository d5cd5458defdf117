/*
 * date.h — civil dates as day numbers, without the C library's time zone or
 * locale machinery (no localtime, no mktime). A FHIR date or dateTime is read
 * as the calendar date it states; the clock is never consulted here.
 */
#ifndef PP_UTIL_DATE_H
#define PP_UTIL_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
typedef int32_t pp_day;

/* "No date": compares below every real date. */
#define PP_DAY_NONE INT32_MIN

/* Day number of a calendar date (month 1-12, day 1-31); no validation. */
pp_day pp_day_from_ymd(int year, int month, int day);
/* Calendar date of a day number. */
void pp_day_to_ymd(pp_day d, int *year, int *month, int *day);
/* True when year/month/day is a real calendar date. */
bool pp_ymd_valid(int year, int month, int day);

/*
 * Parse a FHIR date or dateTime ("2023", "2023-05", "2023-05-01",
 * "2023-05-01T10:00:00-06:00", fractions and 'Z' allowed) of `len` bytes.
 * A partial date gives its first day. PP_ERR_INPUT (diag says why) otherwise.
 */
PP_MUST_CHECK enum pp_err pp_day_parse(const char *s, size_t len, pp_day *out, struct pp_diag *d);

/* Write "YYYY-MM-DD" (11 bytes with NUL) into out; "" for PP_DAY_NONE. */
void pp_day_format(pp_day d, char out[static 11]);

/* Whole years from `birth` to `on` (age on that day). */
int pp_years_between(pp_day birth, pp_day on);

/* The day `months` calendar months after (or before, if negative) `d`, clamped to month end. */
pp_day pp_day_add_months(pp_day d, int months);

/* Today's date from the real clock in UTC. Only the CLI and server call this. */
pp_day pp_day_today_utc(void);

#endif
