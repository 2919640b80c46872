//! E-mail: the mails the system sends, queued in the outbox with their event exactly like SMS
//! (written in the event's transaction, so a mail exists iff its event happened, once), and the
//! MIME message the sender hands to SES. Attachments stay in S3 until the send reads them.
use aws_sdk_dynamodb::types::TransactWriteItem;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::domain::Email;
use crate::platform::db::{self, key, n, s};
use crate::platform::time;

/// What the office's mails are signed with and sent as.
pub const SENDER_NAME: &str = "中国职工保险互助会河南省办事处";

/// Every mail the system sends.
#[derive(Debug, Clone)]
pub enum MailText {
    /// 电子发票, to the entry's 交款人邮箱.
    EInvoice {
        unit_name: String,
        application_number: String,
        batch_no: String,
        title: String,
        amount_yuan: String,
    },
}

impl MailText {
    pub fn subject(&self) -> String {
        match self {
            Self::EInvoice { batch_no, .. } => format!("【中国职工保险互助会】电子发票（批次号{batch_no}）"),
        }
    }

    pub fn body(&self) -> String {
        match self {
            Self::EInvoice {
                unit_name,
                application_number,
                batch_no,
                title,
                amount_yuan,
            } => format!(
                "{unit_name}：\r\n\r\n\
                 您好！中国职工保险互助会河南省办事处已确认收到贵单位申请书{application_number}的会费，\
                 现将电子发票发送给您，请查收附件。\r\n\r\n\
                 批次号：{batch_no}\r\n\
                 发票抬头：{title}\r\n\
                 开票金额：{amount_yuan}元\r\n\r\n\
                 电子发票也可登录单位端，在\"开票录入\"中查看和下载。此邮件由系统自动发送，请勿直接回复。\r\n\r\n\
                 {SENDER_NAME}\r\n"
            ),
        }
    }
}

/// A file in the bucket sent with a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub key: String,
    pub file_name: String,
    pub content_type: String,
}

/// The outbox entry for one mail; `event` must be unique per event (e.g. "einvoice:<batch>:1").
pub fn enqueue(
    table: &str,
    event: &str,
    to: &Email,
    text: &MailText,
    attachment: Option<&Attachment>,
) -> anyhow::Result<TransactWriteItem> {
    let now = time::now();
    let mut item = key(format!("OUTBOX#{event}"), "OUTBOX");
    item.insert("channel".into(), s(CHANNEL));
    item.insert("email".into(), s(to.as_str()));
    item.insert("subject".into(), s(text.subject()));
    item.insert("body".into(), s(text.body()));
    // Mails carry no secrets: what stays once sent is what was sent.
    item.insert("redacted_body".into(), s(text.body()));
    if let Some(file) = attachment {
        item.insert("attachment_key".into(), s(&file.key));
        item.insert("attachment_name".into(), s(&file.file_name));
        item.insert("attachment_type".into(), s(&file.content_type));
    }
    item.insert("status".into(), s("pending"));
    item.insert("attempts".into(), n(0));
    item.insert("next_attempt_at".into(), n(now.timestamp_millis()));
    item.insert("created_at".into(), s(time::stamp(now)));
    item.insert("gsi1pk".into(), s(crate::platform::sms::PENDING_INDEX_KEY));
    item.insert("gsi1sk".into(), s(format!("{}#{event}", time::stamp(now))));
    db::put_new(table, item)
}

/// The outbox item's `channel` for mail (absent on SMS items, which predate it).
pub const CHANNEL: &str = "mail";

/// One whole message as SES's raw content takes it (RFC 5322 with MIME): UTF-8 headers as
/// encoded words, the text and the attachment in base64, CRLF line ends.
pub struct Message<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachment: Option<(&'a str, &'a str, &'a [u8])>,
}

impl Message<'_> {
    pub fn to_mime(&self, at: chrono::DateTime<chrono::Utc>) -> Vec<u8> {
        let boundary = format!("=_cwmia_{}", uuid::Uuid::new_v4().simple());
        let domain = self.from.rsplit_once('@').map_or("localhost", |(_, d)| d);
        let mut out = String::new();
        let mut header = |name: &str, value: &str| {
            out.push_str(&folded(name, value));
        };
        header("From", &format!("{} <{}>", encoded_words(SENDER_NAME), self.from));
        header("To", self.to);
        header("Subject", &encoded_words(self.subject));
        header("Date", &at.to_rfc2822());
        header("Message-ID", &format!("<{}@{domain}>", uuid::Uuid::new_v4().simple()));
        header("MIME-Version", "1.0");
        header("Content-Type", &format!("multipart/mixed; boundary=\"{boundary}\""));
        out.push_str("\r\n");
        out.push_str(&format!("--{boundary}\r\n"));
        out.push_str("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        out.push_str(&base64_lines(self.body.as_bytes()));
        if let Some((name, content_type, bytes)) = self.attachment {
            let disposition = crate::platform::http::content_disposition("attachment", ascii_name(name), name);
            out.push_str(&format!("--{boundary}\r\n"));
            out.push_str(&folded(
                "Content-Type",
                &format!("{content_type}; name=\"{}\"", ascii_name(name)),
            ));
            out.push_str(&folded("Content-Disposition", &disposition));
            out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
            out.push_str(&base64_lines(bytes));
        }
        out.push_str(&format!("--{boundary}--\r\n"));
        out.into_bytes()
    }
}

/// "Name: value" with CRLF, folded at spaces so no line passes 76 characters (RFC 5322 asks
/// for 78); a fold is a space that unfolds back to itself.
fn folded(name: &str, value: &str) -> String {
    let mut out = format!("{name}:");
    let mut line = out.len();
    for word in value.split_whitespace() {
        if line + 1 + word.len() > 76 && line > name.len() + 1 {
            out.push_str("\r\n");
            line = 0;
        }
        out.push(' ');
        out.push_str(word);
        line += 1 + word.len();
    }
    out.push_str("\r\n");
    out
}

fn ascii_name(name: &str) -> &str {
    if name.is_ascii() && !name.contains('"') {
        name
    } else {
        "attachment.pdf"
    }
}

/// RFC 2047 "B" encoded words (at most 64 characters each), split between characters.
fn encoded_words(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    // 39 bytes of UTF-8 encode to 52 base64 characters; with "=?UTF-8?B?" and "?=" that is 64,
    // so even the first word fits beside "Subject: " within 76.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 39 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", BASE64.encode(w.as_bytes())))
        .collect::<Vec<_>>()
        .join(" ")
}

fn base64_lines(bytes: &[u8]) -> String {
    let encoded = BASE64.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice() -> MailText {
        MailText::EInvoice {
            unit_name: "郑州市某某有限公司".into(),
            application_number: "SQ20261201000001".into(),
            batch_no: "S202612011000000001".into(),
            title: "郑州市某某有限公司工会委员会".into(),
            amount_yuan: "1040.00".into(),
        }
    }

    #[test]
    fn the_message_is_seven_bit_with_short_lines() {
        let text = invoice();
        let pdf = b"%PDF-1.4 a small invoice".repeat(20);
        let mime = Message {
            from: "einvoice@example.cn",
            to: "payer@example.com",
            subject: &text.subject(),
            body: &text.body(),
            attachment: Some(("S202612011000000001.pdf", "application/pdf", &pdf)),
        }
        .to_mime(chrono::Utc::now());
        assert!(mime.is_ascii());
        let mime = String::from_utf8(mime).unwrap_or_default();
        assert!(mime.split("\r\n").all(|line| line.len() <= 78), "{mime}");
        assert!(mime.contains("To: payer@example.com\r\n"));
        assert!(mime.contains("filename=\"S202612011000000001.pdf\""));
        assert!(mime.contains(&BASE64.encode("郑州".as_bytes())[..4]));
    }

    #[test]
    fn long_subjects_split_between_characters() {
        let subject = "电子发票".repeat(12);
        let words = encoded_words(&subject);
        let decoded: String = words
            .split(' ')
            .map(|w| {
                let inner = w.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
                String::from_utf8(BASE64.decode(inner).unwrap_or_default()).unwrap_or_default()
            })
            .collect();
        assert_eq!(decoded, subject);
        assert!(words.split(' ').all(|w| w.len() <= 75));
    }
}
