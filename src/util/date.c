/*
 * date.c — day-number arithmetic (Howard Hinnant's civil-from-days algorithm)
 * and FHIR date parsing. Pure apart from pp_day_today_utc().
 */
#include "util/date.h"

#include <time.h>

pp_day pp_day_from_ymd(int year, int month, int day)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned mp = (unsigned)(month + (month > 2 ? -3 : 9));
    unsigned doy = (153 * mp + 2) / 5 + (unsigned)day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (pp_day)(era * 146097 + (int)doe - 719468);
}

void pp_day_to_ymd(pp_day dn, int *year, int *month, int *day)
{
    int z = dn + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (m <= 2);
    *month = (int)m;
    *day = (int)d;
}

static int days_in_month(int year, int month)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : dim[month - 1];
}

bool pp_ymd_valid(int year, int month, int day)
{
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= days_in_month(year, month);
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

enum pp_err pp_day_parse(const char *s, size_t len, pp_day *out, struct pp_diag *d)
{
    int y, m = 1, dd = 1;

    if (len < 4 || !digits(s, 4, &y))
        return pp_diag_set(d, PP_ERR_INPUT, "", "expected a date YYYY[-MM[-DD]], got \"%.*s\"",
                           (int)(len > 40 ? 40 : len), s);
    if (len > 4) {
        if (len < 7 || s[4] != '-' || !digits(s + 5, 2, &m))
            goto bad;
        if (len > 7) {
            if (len < 10 || s[7] != '-' || !digits(s + 8, 2, &dd))
                goto bad;
            if (len > 10 && s[10] != 'T')
                goto bad;
        }
    }
    if (!pp_ymd_valid(y, m, dd))
        return pp_diag_set(d, PP_ERR_INPUT, "", "\"%.*s\" is not a calendar date",
                           (int)(len > 40 ? 40 : len), s);
    *out = pp_day_from_ymd(y, m, dd);
    return PP_OK;
bad:
    return pp_diag_set(d, PP_ERR_INPUT, "", "expected a date YYYY[-MM[-DD]], got \"%.*s\"",
                       (int)(len > 40 ? 40 : len), s);
}

void pp_day_format(pp_day dn, char out[static 11])
{
    int y, m, d;
    if (dn == PP_DAY_NONE) {
        out[0] = '\0';
        return;
    }
    pp_day_to_ymd(dn, &y, &m, &d);
    y = y < 0 ? 0 : y % 10000;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

int pp_years_between(pp_day birth, pp_day on)
{
    int by, bm, bd, y, m, d, years;
    pp_day_to_ymd(birth, &by, &bm, &bd);
    pp_day_to_ymd(on, &y, &m, &d);
    years = y - by;
    if (m < bm || (m == bm && d < bd))
        years--;
    return years;
}

pp_day pp_day_add_months(pp_day dn, int months)
{
    int y, m, d, total, dim;
    pp_day_to_ymd(dn, &y, &m, &d);
    total = y * 12 + (m - 1) + months;
    y = total >= 0 ? total / 12 : -((-total + 11) / 12);
    m = total - y * 12 + 1;
    dim = days_in_month(y, m);
    if (d > dim)
        d = dim;
    return pp_day_from_ymd(y, m, d);
}

pp_day pp_day_today_utc(void)
{
    time_t t = time(NULL);
    return (pp_day)(t / 86400);
}
