/*
 * banned.h — functions painpath never calls: unbounded copies, non-reentrant
 * or locale/clock-dependent helpers. A .c file includes it after all other
 * headers, so a use fails to compile; tests/lint/banned.sh also greps src/.
 */
#ifndef PP_UTIL_BANNED_H
#define PP_UTIL_BANNED_H

#define PP_BANNED(func) sorry_##func##_is_banned_in_painpath

#undef strcpy
#define strcpy(x, y) PP_BANNED(strcpy)
#undef strcat
#define strcat(x, y) PP_BANNED(strcat)
#undef sprintf
#define sprintf(...) PP_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) PP_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) PP_BANNED(strtok)
#undef gets
#define gets(x) PP_BANNED(gets)
#undef atoi
#define atoi(x) PP_BANNED(atoi)
#undef localtime
#define localtime(x) PP_BANNED(localtime)

#endif
