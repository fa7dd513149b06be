#ifndef MESSAGES_H
#define MESSAGES_H

#include <stddef.h>

/*
 * Everything the reference skill says or writes, per locale, as data
 * (messages.c).  Templates use {key} placeholders; every value inserted
 * is escaped by the response builder.
 */

enum msg_id {
	M_WELCOME,		/* no recognized speaker */
	M_WELCOME_BACK,		/* {name}: a name or the alexa:name tag */
	M_WHAT_CAN_I_DO,
	M_REPROMPT,
	M_HELP,
	M_GOODBYE,
	M_FALLBACK,
	M_ASK_DATE,
	M_ASK_TIME,
	M_ASK_PARTY,
	M_BAD_DATE,
	M_BAD_TIME,
	M_BAD_PARTY,
	M_BOOKED,		/* {party} {date} {time} {name} */
	M_BOOKED_TEXTED,	/* {last2} */
	M_BOOKED_NOT_TEXTED,
	M_BOOK_FAILED,		/* the backend said no: nothing booked */
	M_BOOK_UNCERTAIN,	/* no answer: it may or may not be booked */
	M_PAST_DATE,
	M_PAST_TIME,		/* the day is today, that hour has passed */
	M_FAR_DATE,		/* more than BOOK_AHEAD_DAYS away */
	M_BOOKING_OFF,
	M_WHY_BOOK,		/* why booking needs the data */
	M_WHY_BOOK_NOSMS,	/* the same with sms_gateway = none */
	M_WHY_TEXT,		/* why texting needs the number */
	M_CARD_SENT,
	M_NOT_SET,		/* {resource} */
	M_RES_NAME,
	M_RES_GIVEN_NAME,
	M_RES_MOBILE,
	M_UNAVAILABLE,
	M_TEXTED,		/* {last2} */
	M_TEXT_FAILED,
	M_TEXT_OFF,
	M_VENUE,		/* {address} {hours} */
	M_VENUE_AT,		/* {address}: venue_hours is not set */
	M_SMS_VENUE,		/* {skill} {address} {hours} */
	M_SMS_VENUE_AT,		/* {skill} {address} */
	M_SMS_BOOKING,		/* {skill} {party} {date} {time} {ref} {address} */
	M_SMS_BOOKING_NOREF,	/* the same without a booking reference */
	M_CONSENT_DECLINED,
	M_CARD_TITLE,
	M_COUNT
};

struct locale {
	const char *tag;
	const char *msg[M_COUNT];
	const char *weekday[7];		/* Sunday first */
	const char *month[12];
	const char *date_fmt;		/* {weekday} {day} {month} */
	int clock24;
	const char *base;		/* locale whose text fills the gaps */
};

/* The table for tag, or en-US when the locale is not supported. */
const struct locale *locale_find(const char *tag);
/* The i-th supported locale, NULL past the last. */
const struct locale *locale_at(size_t i);

/* "2026-12-24" -> "Thursday, December 24" in the locale; -1 if invalid. */
int msg_date(const struct locale *l, const char *ymd, char *out, size_t outlen);
/* "19:30" -> "7:30 pm" / "19:30 Uhr"; -1 if invalid. */
int msg_time(const struct locale *l, const char *hm, char *out, size_t outlen);

#endif
