"""Raw messages written out as real mail software produces them (IMAP hands them over with CRLF)."""

from __future__ import annotations


def crlf(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


SENT_ID = "<20250304.sam.7f3a@reachout.example>"

GMAIL_REPLY = crlf("""\
Delivered-To: sam@reachout.example
Received: by 2002:a05:6400:1b0c:b0:25e:5f2:1c8d with SMTP id bz12csp1204571ecb;
        Tue, 4 Mar 2025 03:40:12 -0800 (PST)
MIME-Version: 1.0
References: <20250304.sam.7f3a@reachout.example>
In-Reply-To: <20250304.sam.7f3a@reachout.example>
From: Jane Doe <Jane.Doe@Gmail.com>
Date: Tue, 4 Mar 2025 12:40:01 +0100
Message-ID: <CAJx9Lk2v=QpL3mN_8sd-Wn7u1s2Xj@mail.gmail.com>
Subject: Re: Staff engineer role at Acme
To: Sam Recruiter <sam@reachout.example>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3062f4e5d6f"

--000000000000a1b2c3062f4e5d6f
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Hi Sam,

Thanks for reaching out =E2=80=94 this sounds interesting. I'm free on Thursday=
 afternoon if you want to talk.

Jane

On Tue, Mar 4, 2025 at 10:12=E2=80=AFAM Sam Recruiter <sam@reachout.example>
wrote:

> Hi Jane,
>
> I'm hiring a staff engineer at Acme. Would you be open to a chat?
>
> Sam
>

--000000000000a1b2c3062f4e5d6f
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Hi Sam,<div><br></div><div>Thanks for reaching out =E2=80=
=94 this sounds interesting. I'm free on Thursday afternoon if you want to ta=
lk.</div><div><br></div><div>Jane</div></div><br><div class=3D"gmail_quote">=
<div dir=3D"ltr" class=3D"gmail_attr">On Tue, Mar 4, 2025 at 10:12=E2=80=AFA=
M Sam Recruiter &lt;<a href=3D"mailto:sam@reachout.example">sam@reachout.exam=
ple</a>&gt; wrote:<br></div><blockquote class=3D"gmail_quote" style=3D"margin=
:0px 0px 0px 0.8ex">Hi Jane,<br><br>I'm hiring a staff engineer at Acme.<br>S=
am</blockquote></div>

--000000000000a1b2c3062f4e5d6f--
""")

OUTLOOK_REPLY = crlf("""\
From: "Kowalski, Marek" <Marek.Kowalski@contoso.example>
To: Sam Recruiter <sam@reachout.example>
Subject: RE: Staff engineer role at Acme
Thread-Topic: Staff engineer role at Acme
Thread-Index: AQHZk3v2Xq0b8Z8xS0uJ5oWq1fM2Ag==
Date: Wed, 5 Mar 2025 08:02:44 +0000
Message-ID: <AM9PR07MB7121C0D3E1B0A9F4C2E5B1D3A8E42@AM9PR07MB7121.eurprd07.prod.outlook.com>
References: <20250304.sam.7f3a@reachout.example>
In-Reply-To: <20250304.sam.7f3a@reachout.example>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Hello Sam,

Thank you, but I am happy where I am and not looking to move this year.

Regards,
Marek

From: Sam Recruiter <sam@reachout.example>=20
Sent: Tuesday, March 4, 2025 10:12 AM
To: Kowalski, Marek <Marek.Kowalski@contoso.example>
Subject: Staff engineer role at Acme

Hi Marek,

I'm hiring a staff engineer at Acme. Would you be interested in a chat?

Sam
""")

_POSTFIX_BOUNDARY = "3F1A21C0123.1741083302/mail.reachout.example"
POSTFIX_DSN = crlf(f"""\
Return-Path: <>
Received: by mail.reachout.example (Postfix)
	id 4B2C01C0124; Tue,  4 Mar 2025 10:15:02 +0000 (UTC)
Date: Tue,  4 Mar 2025 10:15:02 +0000 (UTC)
From: MAILER-DAEMON@mail.reachout.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: sam@reachout.example
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="{_POSTFIX_BOUNDARY}"
Content-Transfer-Encoding: 8bit
Message-Id: <20250304101502.4B2C01C0124@mail.reachout.example>

This is a MIME-encapsulated message.

--{_POSTFIX_BOUNDARY}
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mail.reachout.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<jane.doe@example.org>: host mx.example.org[203.0.113.5] said: 550 5.1.1
    <jane.doe@example.org>: Recipient address rejected: User unknown in
    virtual mailbox table (in reply to RCPT TO command)

--{_POSTFIX_BOUNDARY}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.reachout.example
X-Postfix-Queue-ID: 3F1A21C0123
X-Postfix-Sender: rfc822; sam@reachout.example
Arrival-Date: Tue,  4 Mar 2025 10:15:01 +0000 (UTC)

Final-Recipient: rfc822; Jane.Doe@example.org
Original-Recipient: rfc822;Jane.Doe@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <jane.doe@example.org>: Recipient address
    rejected: User unknown in virtual mailbox table

Final-Recipient: rfc822; ok.colleague@example.org
Action: delivered
Status: 2.0.0

--{_POSTFIX_BOUNDARY}
Content-Description: Undelivered Message
Content-Type: message/rfc822
Content-Transfer-Encoding: 8bit

Return-Path: <sam@reachout.example>
Received: from app.reachout.example (app.reachout.example [192.0.2.10])
	by mail.reachout.example (Postfix) with ESMTPS id 3F1A21C0123;
	Tue,  4 Mar 2025 10:15:01 +0000 (UTC)
From: Sam Recruiter <sam@reachout.example>
To: Jane Doe <Jane.Doe@example.org>, ok.colleague@example.org
Subject: Staff engineer role at Acme
Date: Tue, 04 Mar 2025 10:12:00 +0000
Message-ID: {SENT_ID}
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Hi Jane, I'm hiring a staff engineer at Acme.

--{_POSTFIX_BOUNDARY}--
""")

# Exim's bounce: it says Auto-Submitted, and returns only the original's headers.
EXIM_DSN = crlf("""\
Return-path: <>
Received: from Debian-exim by smtp.example.net with local (Exim 4.96)
	id 1tpQ3x-000Abc-2K
	for sam@reachout.example; Thu, 06 Mar 2025 09:00:03 +0000
X-Failed-Recipients: old.address@example.net
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@smtp.example.net>
To: sam@reachout.example
References: <20250306.sam.91bc@reachout.example>
Content-Type: multipart/report; report-type=delivery-status; boundary=1741251603-eximdsn-1804289383
MIME-Version: 1.0
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1tpQ3x-000Abc-2K@smtp.example.net>
Date: Thu, 06 Mar 2025 09:00:03 +0000

--1741251603-eximdsn-1804289383
Content-type: text/plain; charset=us-ascii

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  old.address@example.net
    mailbox is full: retry timeout exceeded

--1741251603-eximdsn-1804289383
Content-type: message/delivery-status

Reporting-MTA: dns; smtp.example.net

Action: failed
Final-Recipient: rfc822;old.address@example.net
Status: 5.0.0

--1741251603-eximdsn-1804289383
Content-type: text/rfc822-headers

Return-path: <sam@reachout.example>
From: Sam Recruiter <sam@reachout.example>
To: old.address@example.net
Subject: Staff engineer role at Acme
Message-ID: <20250306.sam.91bc@reachout.example>
Date: Thu, 06 Mar 2025 08:59:58 +0000

--1741251603-eximdsn-1804289383--
""")

DELAYED_DSN = crlf("""\
Return-Path: <>
Date: Wed,  5 Mar 2025 14:15:02 +0000 (UTC)
From: MAILER-DAEMON@mail.reachout.example (Mail Delivery System)
Subject: Delayed Mail (still being retried)
To: sam@reachout.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="8C2D41C0130.1741184102/mail.reachout.example"
Message-Id: <20250305141502.9D3E51C0131@mail.reachout.example>

--8C2D41C0130.1741184102/mail.reachout.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.reachout.example.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

--8C2D41C0130.1741184102/mail.reachout.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.reachout.example
Arrival-Date: Tue,  4 Mar 2025 10:15:01 +0000 (UTC)

Final-Recipient: rfc822; slow@example.com
Action: delayed
Status: 4.4.1
Will-Retry-Until: Tue, 11 Mar 2025 10:15:01 +0000 (UTC)

--8C2D41C0130.1741184102/mail.reachout.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Sam Recruiter <sam@reachout.example>
To: slow@example.com
Message-ID: <20250304.sam.a0d1@reachout.example>

--8C2D41C0130.1741184102/mail.reachout.example--
""")

EXCHANGE_OUT_OF_OFFICE = crlf("""\
From: Lena Fischer <lena.fischer@fabrikam.example>
To: Sam Recruiter <sam@reachout.example>
Subject: Automatic reply: Staff engineer role at Acme
Thread-Topic: Staff engineer role at Acme
Thread-Index: AQHZk3v2Xq0b8Z8xS0uJ5oWq1fM2AgAAAA==
Date: Tue, 4 Mar 2025 10:12:09 +0000
Message-ID: <1b2e7c0d9a4f4e1c8f6a2b3c4d5e6f70@fabrikam.example>
In-Reply-To: <20250304.sam.7f3a@reachout.example>
References: <20250304.sam.7f3a@reachout.example>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
X-MS-Exchange-Inbox-Rules-Loop: lena.fischer@fabrikam.example
Content-Type: multipart/alternative;
	boundary="_000_1b2e7c0d9a4f4e1c8f6a2b3c4d5e6f70fabrikamexample_"
MIME-Version: 1.0

--_000_1b2e7c0d9a4f4e1c8f6a2b3c4d5e6f70fabrikamexample_
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Ich bin bis 14.03. nicht im B=FCro. I am out of the office until 14 March.

--_000_1b2e7c0d9a4f4e1c8f6a2b3c4d5e6f70fabrikamexample_
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><body><p>Ich bin bis 14.03. nicht im B=FCro.</p></body></html>

--_000_1b2e7c0d9a4f4e1c8f6a2b3c4d5e6f70fabrikamexample_--
""")

HTML_ONLY = crlf("""\
From: recruiting-friendly@example.com
To: sam@reachout.example
Subject: Re: Staff engineer role at Acme
Date: Thu, 6 Mar 2025 17:30:00 -0500
Message-ID: <html-only-1@example.com>
In-Reply-To: <20250304.sam.7f3a@reachout.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p { color: #333 }</style><title>Reply</title></head>
<body><p>Hi&nbsp;Sam,</p><p>Let&#39;s talk &mdash; send me
the details.</p><div>Thanks,<br>Ravi</div>
<blockquote type="cite">Hi Ravi, I'm hiring at Acme.</blockquote>
</body></html>
""")

LATIN1_REPLY = crlf(
    """\
From: =?iso-8859-1?q?Ren=E9e_Lef=E8vre?= <renee@exemple.fr>
To: sam@reachout.example
Subject: =?iso-8859-1?q?R=E9p=2E_=3A_Poste_d=27ing=E9nieur?=
Date: Fri, 7 Mar 2025 09:00:00 +0100
Message-ID: <latin1-1@exemple.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

Bonjour Sam, le poste m'intéresse beaucoup. Prenons rendez-vous.

Le mar. 4 mars 2025 à 10:12, Sam Recruiter <sam@reachout.example> a écrit :
> Bonjour Renée,
""",
    "latin-1",
)

NO_MESSAGE_ID = crlf("""\
From: someone@example.com
To: sam@reachout.example
Subject: Re: Staff engineer role at Acme
Date: Fri, 7 Mar 2025 09:00:00
In-Reply-To: <20250304.sam.7f3a@reachout.example> (Sam Recruiter's message of "Tue, 4 Mar")

Maybe later this year.
""")
