#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "messages.h"
#include "response.h"

/* All user-facing text of the reference skill, one table per locale. */
static struct locale locales[] = {
{
	"en-US",
	{
		[M_WELCOME] = "Welcome to {skill}!",
		[M_WELCOME_BACK] = "Welcome back, {name}!",
		[M_WHAT_CAN_I_DO] = " I can book you a table, or text you our "
		    "address and opening hours. What would you like?",
		[M_REPROMPT] = "You can say: book a table for two tomorrow at "
		    "7 pm, or: text me the details.",
		[M_HELP] = "I can book a table at {skill} in your name and text "
		    "you the details, or text you our address and opening hours. "
		    "Try: book a table for two on Friday at 7 pm. What would you "
		    "like?",
		[M_GOODBYE] = "Goodbye, see you soon!",
		[M_FALLBACK] = "Sorry, I can't help with that here. I can book a "
		    "table or text you our details. What would you like?",
		[M_ASK_DATE] = "For which day?",
		[M_ASK_TIME] = "At what time?",
		[M_ASK_PARTY] = "For how many people?",
		[M_BAD_DATE] = "Sorry, I need a specific day, like this Friday. "
		    "For which day?",
		[M_BAD_TIME] = "Sorry, I need an exact time, like 7 pm. At what "
		    "time?",
		[M_BAD_PARTY] = "I can book for 1 to 20 people. For how many "
		    "people?",
		[M_BOOKED] = "Done: a table for {party} on {date} at {time} under "
		    "{name}.",
		[M_BOOKED_TEXTED] = " I've texted the details to your number "
		    "ending in {last2}.",
		[M_BOOKED_NOT_TEXTED] = " I couldn't send the text message, so "
		    "please note the details.",
		[M_BOOK_FAILED] = "Sorry, our booking system couldn't take the "
		    "booking, so nothing has been booked. Please try again in a "
		    "moment.",
		[M_BOOK_UNCERTAIN] = "Sorry, our booking system didn't confirm "
		    "in time, so I can't say whether your table is booked. If it "
		    "is, you'll find it under your name when you call us.",
		[M_PAST_DATE] = "That day has already passed. For which day?",
		[M_PAST_TIME] = "That time has already passed. At what time?",
		[M_FAR_DATE] = "I can book up to a year ahead. For which day?",
		[M_BOOKING_OFF] = "Sorry, booking by voice isn't available right "
		    "now.",
		[M_WHY_BOOK] = "To book a table in your name and text you the "
		    "details, {skill} needs your name and mobile number.",
		[M_WHY_BOOK_NOSMS] = "To book a table in your name, {skill} needs "
		    "your name and a mobile number to reach you at.",
		[M_WHY_TEXT] = "To text you the details, {skill} needs your "
		    "mobile number.",
		[M_CARD_SENT] = " I've sent a card to the Alexa app where you can "
		    "allow that, then just ask me again.",
		[M_NOT_SET] = "Your {resource} is not set. You can enter these "
		    "details in the Alexa app under Settings > Your Profile, and "
		    "then launch this skill again.",
		[M_RES_NAME] = "name",
		[M_RES_GIVEN_NAME] = "first name",
		[M_RES_MOBILE] = "mobile number",
		[M_UNAVAILABLE] = "Sorry, I can't get your contact details right "
		    "now.",
		[M_TEXTED] = "I've texted the details to your number ending in "
		    "{last2}.",
		[M_TEXT_FAILED] = "Sorry, I couldn't send the text message just "
		    "now.",
		[M_TEXT_OFF] = "Text messages aren't available here.",
		[M_VENUE] = " You'll find us at {address}. We're open {hours}.",
		[M_VENUE_AT] = " You'll find us at {address}.",
		[M_SMS_VENUE] = "{skill}: {address}. Open {hours}.",
		[M_SMS_VENUE_AT] = "{skill}: {address}.",
		[M_SMS_BOOKING] = "{skill}: table for {party} on {date} at {time}, "
		    "booking {ref}. {address}",
		[M_SMS_BOOKING_NOREF] = "{skill}: table for {party} on {date} at "
		    "{time}. {address}",
		[M_CONSENT_DECLINED] = "No problem. Without those details I can't "
		    "book or text for you.",
		[M_CARD_TITLE] = "{skill}",
	},
	{ "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	    "Saturday" },
	{ "January", "February", "March", "April", "May", "June", "July",
	    "August", "September", "October", "November", "December" },
	"{weekday}, {month} {day}",
	0,
	NULL,
},
{
	/* British English: en-US's text where nothing below replaces it. */
	"en-GB",
	{
		[M_BOOKING_OFF] = "Sorry, booking by voice isn't available at the "
		    "moment.",
		[M_UNAVAILABLE] = "Sorry, I can't get your contact details at the "
		    "moment.",
	},
	{ NULL },
	{ NULL },
	"{weekday} {day} {month}",
	0,
	"en-US",
},
{
	"de-DE",
	{
		[M_WELCOME] = "Willkommen bei {skill}!",
		[M_WELCOME_BACK] = "Willkommen zurück, {name}!",
		[M_WHAT_CAN_I_DO] = " Ich kann einen Tisch für dich reservieren "
		    "oder dir unsere Adresse und Öffnungszeiten schicken. Was "
		    "möchtest du?",
		[M_REPROMPT] = "Sag zum Beispiel: reserviere einen Tisch für zwei "
		    "morgen um 19 Uhr, oder: schick mir die Details.",
		[M_HELP] = "Ich kann bei {skill} einen Tisch auf deinen Namen "
		    "reservieren und dir die Details per SMS schicken, oder dir "
		    "unsere Adresse und Öffnungszeiten schicken. Sag zum Beispiel: "
		    "reserviere einen Tisch für zwei am Freitag um 19 Uhr. Was "
		    "möchtest du?",
		[M_GOODBYE] = "Tschüss, bis bald!",
		[M_FALLBACK] = "Damit kann ich hier leider nicht helfen. Ich kann "
		    "einen Tisch reservieren oder dir unsere Details schicken. "
		    "Was möchtest du?",
		[M_ASK_DATE] = "Für welchen Tag?",
		[M_ASK_TIME] = "Um wie viel Uhr?",
		[M_ASK_PARTY] = "Für wie viele Personen?",
		[M_BAD_DATE] = "Ich brauche einen bestimmten Tag, zum Beispiel "
		    "diesen Freitag. Für welchen Tag?",
		[M_BAD_TIME] = "Ich brauche eine genaue Uhrzeit, zum Beispiel 19 "
		    "Uhr. Um wie viel Uhr?",
		[M_BAD_PARTY] = "Ich kann für 1 bis 20 Personen reservieren. Für "
		    "wie viele Personen?",
		[M_BOOKED] = "Erledigt: ein Tisch für {party} am {date} um {time} "
		    "auf den Namen {name}.",
		[M_BOOKED_TEXTED] = " Ich habe dir die Details an deine Nummer "
		    "mit der Endung {last2} geschickt.",
		[M_BOOKED_NOT_TEXTED] = " Die SMS konnte ich nicht senden, bitte "
		    "merke dir die Details.",
		[M_BOOK_FAILED] = "Unser Reservierungssystem konnte die "
		    "Reservierung leider nicht annehmen, es wurde nichts "
		    "reserviert. Bitte versuche es gleich noch einmal.",
		[M_BOOK_UNCERTAIN] = "Unser Reservierungssystem hat nicht "
		    "rechtzeitig geantwortet, daher kann ich nicht sagen, ob dein "
		    "Tisch reserviert ist. Wenn ja, findest du ihn unter deinem "
		    "Namen, wenn du uns anrufst.",
		[M_PAST_DATE] = "Dieser Tag ist schon vorbei. Für welchen Tag?",
		[M_PAST_TIME] = "Diese Uhrzeit ist schon vorbei. Um wie viel Uhr?",
		[M_FAR_DATE] = "Ich kann bis zu einem Jahr im Voraus reservieren. "
		    "Für welchen Tag?",
		[M_BOOKING_OFF] = "Reservierungen per Sprache sind gerade leider "
		    "nicht möglich.",
		[M_WHY_BOOK] = "Um einen Tisch auf deinen Namen zu reservieren und "
		    "dir die Details zu schicken, braucht {skill} deinen Namen "
		    "und deine Handynummer.",
		[M_WHY_BOOK_NOSMS] = "Um einen Tisch auf deinen Namen zu "
		    "reservieren, braucht {skill} deinen Namen und eine "
		    "Handynummer, unter der du erreichbar bist.",
		[M_WHY_TEXT] = "Um dir die Details zu schicken, braucht {skill} "
		    "deine Handynummer.",
		[M_CARD_SENT] = " Ich habe dir eine Karte in der Alexa App "
		    "geschickt, dort kannst du das erlauben. Frag mich danach "
		    "einfach noch einmal.",
		[M_NOT_SET] = "{resource} ist nicht hinterlegt. Du kannst "
		    "diese Angaben in der Alexa App unter Einstellungen > Dein "
		    "Profil eingeben und den Skill dann erneut starten.",
		[M_RES_NAME] = "Dein Name",
		[M_RES_GIVEN_NAME] = "Dein Vorname",
		[M_RES_MOBILE] = "Deine Handynummer",
		[M_UNAVAILABLE] = "Ich kann deine Kontaktdaten gerade leider nicht "
		    "abrufen.",
		[M_TEXTED] = "Ich habe dir die Details an deine Nummer mit der "
		    "Endung {last2} geschickt.",
		[M_TEXT_FAILED] = "Die SMS konnte ich gerade leider nicht senden.",
		[M_TEXT_OFF] = "SMS sind hier nicht verfügbar.",
		[M_VENUE] = " Du findest uns unter {address}. Wir haben {hours} "
		    "geöffnet.",
		[M_VENUE_AT] = " Du findest uns unter {address}.",
		[M_SMS_VENUE] = "{skill}: {address}. Geöffnet {hours}.",
		[M_SMS_VENUE_AT] = "{skill}: {address}.",
		[M_SMS_BOOKING] = "{skill}: Tisch für {party} am {date} um {time}, "
		    "Reservierung {ref}. {address}",
		[M_SMS_BOOKING_NOREF] = "{skill}: Tisch für {party} am {date} um "
		    "{time}. {address}",
		[M_CONSENT_DECLINED] = "Kein Problem. Ohne diese Angaben kann ich "
		    "nicht für dich reservieren oder dir schreiben.",
		[M_CARD_TITLE] = "{skill}",
	},
	{ "Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
	    "Samstag" },
	{ "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
	    "August", "September", "Oktober", "November", "Dezember" },
	"{weekday}, {day}. {month}",
	1,
	NULL,
},
};

#define NLOCALES (sizeof(locales) / sizeof(locales[0]))

static const struct locale *locale_by_tag(const char *tag);

/* Fills what a locale leaves out from the locale it is based on. */
static void
locales_inherit(void)
{
	for (size_t i = 0; i < NLOCALES; i++) {
		const struct locale *b = locales[i].base ?
		    locale_by_tag(locales[i].base) : NULL;

		for (int m = 0; b != NULL && m < M_COUNT; m++)
			if (locales[i].msg[m] == NULL)
				locales[i].msg[m] = b->msg[m];
		for (int d = 0; b != NULL && d < 7; d++)
			if (locales[i].weekday[d] == NULL)
				locales[i].weekday[d] = b->weekday[d];
		for (int m = 0; b != NULL && m < 12; m++)
			if (locales[i].month[m] == NULL)
				locales[i].month[m] = b->month[m];
	}
}

const struct locale *
locale_find(const char *tag)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const struct locale *l;

	pthread_once(&once, locales_inherit);
	l = locale_by_tag(tag);
	return l != NULL ? l : &locales[0];
}

const struct locale *
locale_at(size_t i)
{
	return i < NLOCALES ? locale_find(locales[i].tag) : NULL;
}

static const struct locale *
locale_by_tag(const char *tag)
{
	for (size_t i = 0; tag != NULL && i < NLOCALES; i++)
		if (strcmp(locales[i].tag, tag) == 0)
			return &locales[i];
	return NULL;
}

static int
num(const char *s, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
msg_date(const struct locale *l, const char *ymd, char *out, size_t outlen)
{
	struct tm tm;
	int y, m, d;
	time_t t;
	char day[4];
	const char *keys[] = { "weekday", "day", "month" };
	const char *vals[3];

	if (ymd == NULL || strlen(ymd) != 10 || ymd[4] != '-' ||
	    ymd[7] != '-' || num(ymd, 4, &y) || num(ymd + 5, 2, &m) ||
	    num(ymd + 8, 2, &d) || y < 2000 || y > 2100 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	if (tm.tm_mday != d)	/* 2026-02-31 */
		return -1;
	snprintf(day, sizeof(day), "%d", d);
	vals[0] = l->weekday[tm.tm_wday];
	vals[1] = day;
	vals[2] = l->month[m - 1];
	text_template(out, outlen, l->date_fmt, keys, vals, 3);
	return 0;
}

int
msg_time(const struct locale *l, const char *hm, char *out, size_t outlen)
{
	int h, m;

	if (hm == NULL || strlen(hm) != 5 || hm[2] != ':' || num(hm, 2, &h) ||
	    num(hm + 3, 2, &m) || h > 23 || m > 59)
		return -1;
	if (l->clock24 && m == 0)
		snprintf(out, outlen, "%d Uhr", h);
	else if (l->clock24)
		snprintf(out, outlen, "%d:%02d Uhr", h, m);
	else if (m == 0)
		snprintf(out, outlen, "%d %s", h % 12 == 0 ? 12 : h % 12,
		    h < 12 ? "am" : "pm");
	else
		snprintf(out, outlen, "%d:%02d %s", h % 12 == 0 ? 12 : h % 12,
		    m, h < 12 ? "am" : "pm");
	return 0;
}
