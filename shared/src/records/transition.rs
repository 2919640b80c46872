//! The one way a stateful record changes status: a [`Transition`] builds the items of one
//! transaction — the update conditional on `status = from` (and the step's own guards), the
//! record's new queue key, its 操作轨迹 entry and, when the change tells someone, the SMS outbox
//! entry, and the change's addition to the office's figures (`records::tally`), so no step can
//! move a record without counting it. Steps add their other items and commit them together;
//! none writes a status itself.
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::domain::Mobile;
use crate::platform::db::{self, Item, s};
use crate::platform::sms::{self, SmsText};
use crate::records::account::Role;
use crate::records::tally::TallyChange;
use crate::records::trail;

/// A status type with its storage: how the status is stored and queued, where the record is.
pub trait Workflow: Copy {
    /// The record whose status this is.
    type Record: ?Sized;
    fn id(record: &Self::Record) -> &str;
    /// What `record` moving `from` → `to` adds to the office's figures, if anything.
    fn counted(record: &Self::Record, from: Self, to: Self) -> anyhow::Result<Option<TallyChange>>;
    /// The stored status value.
    fn as_str(self) -> &'static str;
    /// The queue index key (`gsi1pk`) of a record in this status.
    fn queue(self) -> String;
    /// The record's item key.
    fn key(id: &str) -> Item;
    /// The partition of the record's trail entries.
    fn trail_pk(id: &str) -> String;
}

/// Who changes the status, and what the trail says of it.
struct TrailEntry {
    actor: String,
    role: Option<Role>,
    action: String,
    summary: String,
}

/// One status change, `from` → `to`, of the record `id`.
#[must_use = "a transition does nothing until its items are committed"]
pub struct Transition<S: Workflow> {
    id: String,
    from: S,
    to: S,
    trail: Option<TrailEntry>,
    sets: Vec<String>,
    adds: Vec<String>,
    removes: Vec<String>,
    guards: Vec<String>,
    values: Vec<(String, AttributeValue)>,
    sms: Option<(String, Mobile, SmsText)>,
    counted: anyhow::Result<Option<TallyChange>>,
}

impl<S: Workflow> Transition<S> {
    /// `record` moves `from` → `to` (`from` is checked by the write, whatever was read).
    pub fn new(record: &S::Record, from: S, to: S) -> Self {
        Self {
            id: S::id(record).to_owned(),
            counted: S::counted(record, from, to),
            from,
            to,
            trail: None,
            sets: Vec::new(),
            adds: Vec::new(),
            removes: Vec::new(),
            guards: Vec::new(),
            values: Vec::new(),
            sms: None,
        }
    }

    /// Replaces what the change adds to the office's figures (when it carries amounts the
    /// record does not hold yet).
    pub fn counted_as(mut self, change: TallyChange) -> Self {
        self.counted = Ok(Some(change));
        self
    }

    /// Who acts (`role` None for an anonymous caller, shown by masked name) and the trail entry.
    pub fn by(mut self, actor: &str, role: Option<Role>, action: &str, summary: impl Into<String>) -> Self {
        self.trail = Some(TrailEntry {
            actor: actor.to_owned(),
            role,
            action: action.to_owned(),
            summary: summary.into(),
        });
        self
    }

    /// Sets `attr` to `value` with the status.
    pub fn set(mut self, attr: &str, value: AttributeValue) -> Self {
        let placeholder = format!(":set_{attr}");
        self.sets.push(format!("{attr} = {placeholder}"));
        self.values.push((placeholder, value));
        self
    }

    /// Adds `value` (a set) to the set `attr` with the status change.
    pub fn add(mut self, attr: &str, value: AttributeValue) -> Self {
        let placeholder = format!(":add_{attr}");
        self.adds.push(format!("{attr} {placeholder}"));
        self.values.push((placeholder, value));
        self
    }

    /// Removes `attr` with the status change.
    pub fn remove(mut self, attr: &str) -> Self {
        self.removes.push(attr.to_owned());
        self
    }

    /// A further condition the record must meet (`#st`, `:expected`, `:to`, `:queue` and `:set_*`
    /// are taken); its placeholders' values come with it.
    pub fn guard(mut self, condition: impl Into<String>, values: Vec<(&str, AttributeValue)>) -> Self {
        self.guards.push(condition.into());
        self.values.extend(values.into_iter().map(|(k, v)| (k.to_owned(), v)));
        self
    }

    /// The SMS this change sends, once per `event`.
    pub fn notify(mut self, event: impl Into<String>, mobile: &Mobile, text: SmsText) -> Self {
        self.sms = Some((event.into(), mobile.clone(), text));
        self
    }

    /// `SET #st = :to, gsi1pk = :queue, … [REMOVE …] [ADD …]`
    pub fn update_expression(&self) -> String {
        let mut update = std::iter::once("#st = :to".to_owned())
            .chain(std::iter::once("gsi1pk = :queue".to_owned()))
            .chain(self.sets.iter().cloned())
            .collect::<Vec<_>>()
            .join(", ");
        update.insert_str(0, "SET ");
        if !self.removes.is_empty() {
            update.push_str(" REMOVE ");
            update.push_str(&self.removes.join(", "));
        }
        if !self.adds.is_empty() {
            update.push_str(" ADD ");
            update.push_str(&self.adds.join(", "));
        }
        update
    }

    /// `#st = :expected AND (guard) AND …`
    pub fn condition_expression(&self) -> String {
        std::iter::once("#st = :expected".to_owned())
            .chain(self.guards.iter().map(|g| format!("({g})")))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The items, in this order: the update, the trail entry, the SMS and the tally change
    /// (each when there is one).
    pub fn items(self, table: &str) -> anyhow::Result<Vec<TransactWriteItem>> {
        let Some(entry) = &self.trail else {
            anyhow::bail!(
                "transition {} → {} without its trail entry",
                self.from.as_str(),
                self.to.as_str()
            );
        };
        let mut values: Vec<(&str, AttributeValue)> = vec![
            (":expected", s(self.from.as_str())),
            (":to", s(self.to.as_str())),
            (":queue", s(self.to.queue())),
        ];
        values.extend(self.values.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let mut items = vec![
            db::update_if(
                table,
                S::key(&self.id),
                &self.update_expression(),
                Some(&self.condition_expression()),
                &[("#st", "status")],
                &values,
            )?,
            trail::record(
                table,
                &S::trail_pk(&self.id),
                &entry.actor,
                entry.role,
                &entry.action,
                &entry.summary,
            )?,
        ];
        if let Some((event, mobile, text)) = &self.sms {
            items.push(sms::enqueue(table, event, mobile, text)?);
        }
        if let Some(change) = self.counted? {
            items.push(change.item(table)?);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::db::{key, n};

    #[derive(Clone, Copy)]
    enum Light {
        Red,
        Green,
    }

    impl Workflow for Light {
        type Record = str;
        fn id(record: &str) -> &str {
            record
        }
        fn counted(_: &str, _: Light, _: Light) -> anyhow::Result<Option<TallyChange>> {
            Ok(None)
        }
        fn as_str(self) -> &'static str {
            match self {
                Self::Red => "red",
                Self::Green => "green",
            }
        }
        fn queue(self) -> String {
            format!("LIGHTQ#{}", self.as_str())
        }
        fn key(id: &str) -> Item {
            key(format!("LIGHT#{id}"), "LIGHT")
        }
        fn trail_pk(id: &str) -> String {
            format!("LIGHT#{id}")
        }
    }

    #[test]
    fn expressions_carry_the_status_the_queue_and_the_guards() {
        let t = Transition::new("1", Light::Red, Light::Green)
            .set("changed_at", s("now"))
            .remove("reason")
            .remove("note")
            .add("seen_by", AttributeValue::Ss(vec!["a".into()]))
            .guard("count = :c", vec![(":c", n(3))]);
        assert_eq!(
            t.update_expression(),
            "SET #st = :to, gsi1pk = :queue, changed_at = :set_changed_at REMOVE reason, note ADD seen_by :add_seen_by"
        );
        assert_eq!(t.condition_expression(), "#st = :expected AND (count = :c)");
    }

    #[test]
    fn items_are_the_update_the_trail_and_the_sms() {
        let mobile = Mobile::parse("13800138000").expect("mobile");
        let items = Transition::new("1", Light::Red, Light::Green)
            .by("a", Some(Role::Staff), "go", "变绿")
            .notify("go:1", &mobile, SmsText::Paid)
            .items("t")
            .expect("items");
        assert_eq!(items.len(), 3);
        let update = items[0].update().expect("update");
        let values = update.expression_attribute_values().expect("values");
        assert_eq!(values.get(":expected"), Some(&s("red")));
        assert_eq!(values.get(":to"), Some(&s("green")));
        assert_eq!(values.get(":queue"), Some(&s("LIGHTQ#green")));
        assert!(items[1].put().is_some() && items[2].put().is_some());
    }

    #[test]
    fn a_transition_without_its_trail_entry_is_refused() {
        assert!(Transition::new("1", Light::Red, Light::Green).items("t").is_err());
    }
}
