// Outgoing mail over SMTP (nodemailer), configured by SMTP_URL and SMTP_FROM. One transport per
// server, made with the first mail and closed at stop. nodemailer itself is loaded then too: half
// a megabyte of JavaScript that every start would otherwise compile for a feature most never use.
import type { Transporter } from "nodemailer";
import { loadCommonJs } from "./lazyModule.ts";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** SMTP from its URL: smtp:// (STARTTLS when offered) or smtps:// (TLS from the start), credentials percent-decoded. */
export function smtpMailer(smtp: { url: string; from: string }): Mailer {
  const url = new URL(smtp.url);
  const secure = url.protocol === "smtps:";
  const options = {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // A mail server that does not answer must not hold work (and a stop) for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  };
  let transport: Promise<Transporter> | undefined;
  return {
    async send(mail) {
      transport ??= loadCommonJs(() => import("nodemailer")).then((nodemailer) => nodemailer.createTransport(options));
      await (await transport).sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => {
      void transport?.then((opened) => opened.close()).catch(() => undefined);
    },
  };
}

/**
 * What of a failed send may be logged: the SMTP error's code and reply code, and its message,
 * which is about the dialogue with the server (never the mail's content, so never its link).
 */
export function describeMailError(error: unknown): Record<string, unknown> {
  const { code, responseCode, message } = (error ?? {}) as {
    code?: unknown;
    responseCode?: unknown;
    message?: unknown;
  };
  return {
    error_code: typeof code === "string" ? code : undefined,
    smtp_reply: typeof responseCode === "number" ? responseCode : undefined,
    error_message: typeof message === "string" ? message.slice(0, 200) : undefined,
  };
}
