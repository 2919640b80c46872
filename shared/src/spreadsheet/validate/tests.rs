use proptest::prelude::*;

use super::*;
use crate::spreadsheet::test_support::id;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 2, 18).unwrap()
}

/// A row from texts, 姓名 onwards (序号 left blank).
fn sheet_row(excel_row: u32, texts: &[&str]) -> SheetRow {
    let mut row = SheetRow {
        row: excel_row,
        ..SheetRow::default()
    };
    for (i, t) in texts.iter().enumerate() {
        row.cells[i + 1] = if t.is_empty() { Cell::default() } else { Cell::text(*t) };
    }
    row
}

fn check(texts: &[&str]) -> Result<MemberDraft, RowFailure> {
    validate_row(&sheet_row(2, texts), &mut ImportContext::new(today()))
}

fn codes(texts: &[&str]) -> Vec<&'static str> {
    check(texts).map(|_| Vec::new()).unwrap_or_else(|f| f.codes().collect())
}

#[test]
fn a_plain_row_becomes_a_member_with_gender_and_birth_date_from_the_id() {
    let n = id("41020219850315123");
    let m = check(&["张三", "", &n]).unwrap();
    assert_eq!(m.name, "张三");
    assert_eq!(m.id.id_type(), IdType::ResidentIdCard);
    assert_eq!(m.gender, Gender::Male);
    assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1985, 3, 15).unwrap());
    assert_eq!(m.mobile, None);
    assert_eq!(m.occupation, Occupation::General);
    assert_eq!(m.remark, "");
    let m = check(&[
        "张三",
        "身份证",
        &n,
        "男",
        "1985/3/15",
        "138 0013 8000",
        "高危职业",
        " 备注 ",
    ])
    .unwrap();
    assert_eq!(m.mobile.unwrap().as_str(), "13800138000");
    assert_eq!(m.occupation, Occupation::HighRisk);
    assert_eq!(m.remark, "备注");
}

#[test]
fn names() {
    let n = id("41020219850315123");
    assert_eq!(check(&["张  三", "", &n]).unwrap().name, "张三");
    assert_eq!(check(&["　买买提 • 艾力　", "", &n]).unwrap().name, "买买提·艾力");
    assert_eq!(check(&["ＪＯＨＮ   smith", "", &n]).unwrap().name, "JOHN smith");
    assert_eq!(
        check(&["Jean-Pierre O'Neil", "", &n]).unwrap().name,
        "Jean-Pierre O'Neil"
    );
    assert_eq!(codes(&["", "", &n]), ["NAME_REQUIRED"]);
    assert_eq!(codes(&["张3", "", &n]), ["NAME_INVALID"]);
    assert_eq!(codes(&["-张三", "", &n]), ["NAME_INVALID"]);
    assert_eq!(codes(&[&"张".repeat(51), "", &n]), ["NAME_TOO_LONG"]);
    let f = check(&["张三(临时)", "", &n]).unwrap_err();
    assert_eq!(
        f.message(),
        "姓名含有不允许的字符“(”，只能填写汉字、字母、间隔号“·”和空格"
    );
}

#[test]
fn typed_gender_and_birth_date_must_agree_with_the_id() {
    let n = id("41020219850315123");
    assert!(check(&["张三", "", &n, "男", "1985-03-15"]).is_ok());
    assert!(check(&["张三", "", &n, " 男 ", "1985年3月15日"]).is_ok());
    let f = check(&["张三", "", &n, "女", "1985-03-16"]).unwrap_err();
    assert_eq!(
        f.codes().collect::<Vec<_>>(),
        ["GENDER_MISMATCH", "BIRTH_DATE_MISMATCH"]
    );
    assert_eq!(
        f.message(),
        "性别与证件号码不符（证件号码显示为男）；出生日期与证件号码不符（证件号码显示为1985-03-15）"
    );
    assert_eq!(codes(&["张三", "", &n, "未知"]), ["GENDER_INVALID"]);
    assert_eq!(codes(&["张三", "", &n, "", "1985-02-30"]), ["BIRTH_DATE_INVALID"]);
    let f = check(&["张三", "", &n, "", "三月十五"]).unwrap_err();
    assert_eq!(
        f.message(),
        "出生日期“三月十五”无法识别，请按yyyy-mm-dd格式填写，例如1985-03-15"
    );
}

#[test]
fn passports_need_gender_and_birth_date() {
    let f = check(&["JOHN SMITH", "护照", "E12345678"]).unwrap_err();
    assert_eq!(
        f.codes().collect::<Vec<_>>(),
        ["GENDER_REQUIRED", "BIRTH_DATE_REQUIRED"]
    );
    assert_eq!(
        f.message(),
        "证件类型为护照时请填写性别（男/女）；证件类型为护照时请填写出生日期（格式yyyy-mm-dd）"
    );
    let m = check(&["JOHN SMITH", "护照", "e12345678", "M", "19800101"]).unwrap();
    assert_eq!(m.id.as_str(), "E12345678");
    assert_eq!(m.gender, Gender::Male);
    assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1980, 1, 1).unwrap());
    assert_eq!(
        codes(&["JOHN SMITH", "护照", "E12345678", "男", "2030-01-01"]),
        ["BIRTH_DATE_INVALID"]
    );
}

#[test]
fn id_type_and_number_problems_come_from_the_domain() {
    let n = id("41020219850315123");
    assert_eq!(codes(&["张三", "军官证", &n]), ["ID_TYPE_UNKNOWN"]);
    assert_eq!(codes(&["张三", "护照", &n]), ["ID_TYPE_MISMATCH"]);
    assert_eq!(codes(&["张三", "", "41020219850315123X"]), ["ID_CHECKSUM"]);
    assert_eq!(codes(&["张三", "", "4.10202198503151E+17"]), ["ID_STORED_AS_NUMBER"]);
    assert_eq!(codes(&["张三", "", "4102021985"]), ["ID_LENGTH"]);
}

#[test]
fn numbers_in_the_id_column() {
    let mut row = sheet_row(3, &["张三"]);
    row.cells[3] = Cell {
        text: "410202198503151000".into(),
        kind: CellKind::Float(410202198503151238.0),
    };
    let f = validate_row(&row, &mut ImportContext::new(today())).unwrap_err();
    assert_eq!(f.codes().collect::<Vec<_>>(), ["ID_STORED_AS_NUMBER"]);
    // 15 digits fit in a float exactly: an old 15-digit number typed as a number is whole.
    row.cells[3] = Cell {
        text: "110105491231002".into(),
        kind: CellKind::Float(110105491231002.0),
    };
    assert!(validate_row(&row, &mut ImportContext::new(today())).is_ok());
}

#[test]
fn other_columns() {
    let n = id("41020219850315123");
    assert_eq!(codes(&["张三", "", &n, "", "", "1380013800"]), ["MOBILE_INVALID"]);
    assert_eq!(codes(&["张三", "", &n, "", "", "", "危险"]), ["OCCUPATION_INVALID"]);
    assert_eq!(
        codes(&["张三", "", &n, "", "", "", "", &"备".repeat(201)]),
        ["REMARK_TOO_LONG"]
    );
    assert!(check(&["张三", "", &n, "", "", "", "一般", &"备".repeat(200)]).is_ok());
}

#[test]
fn formula_errors_are_named() {
    let n = id("41020219850315123");
    let mut row = sheet_row(2, &["", "", &n]);
    row.cells[1] = Cell {
        text: "#N/A".into(),
        kind: CellKind::Error,
    };
    let f = validate_row(&row, &mut ImportContext::new(today())).unwrap_err();
    assert_eq!(f.message(), "姓名为公式错误值#N/A，请填写实际内容");
}

#[test]
fn every_problem_of_a_row_is_listed_in_column_order() {
    let f = check(&["", "", "123", "X", "昨天", "1", "高空", &"长".repeat(300)]).unwrap_err();
    assert_eq!(
        f.codes().collect::<Vec<_>>(),
        [
            "NAME_REQUIRED",
            "ID_LENGTH",
            "GENDER_INVALID",
            "BIRTH_DATE_INVALID",
            "MOBILE_INVALID",
            "OCCUPATION_INVALID",
            "REMARK_TOO_LONG"
        ]
    );
    assert_eq!(f.message().matches('；').count(), 6);
}

#[test]
fn duplicates_name_the_earlier_row_and_batch() {
    let n = id("41020219850315123");
    let mut ctx = ImportContext::new(today());
    assert!(validate_row(&sheet_row(12, &["张三", "", &n]), &mut ctx).is_ok());
    let f = validate_row(&sheet_row(20, &["张三", "", &n]), &mut ctx).unwrap_err();
    assert_eq!(f.message(), "证件号码与第12行重复");
    // A failed row does not claim its ID.
    let m = id("41020219850315131");
    assert!(validate_row(&sheet_row(21, &["", "", &m]), &mut ctx).is_err());
    assert!(validate_row(&sheet_row(22, &["李四", "", &m]), &mut ctx).is_ok());

    let mut next = ImportContext::new(today());
    let earlier = PersonId::parse(IdType::ResidentIdCard, &n).unwrap();
    next.add_earlier(&earlier, "B3", 12);
    let f = validate_row(&sheet_row(2, &["张三", "", &n]), &mut next).unwrap_err();
    assert_eq!(f.codes().collect::<Vec<_>>(), ["DUPLICATE_ID"]);
    assert_eq!(f.message(), "证件号码已在批次 B3 第12行导入，同一申请中不能重复参保");
}

proptest! {
    #[test]
    fn any_cells_give_a_member_or_reasons_never_a_panic(
        texts in proptest::collection::vec(any::<String>(), 8),
        numbers in proptest::collection::vec(proptest::option::of(any::<f64>()), 8),
    ) {
        let mut row = SheetRow { row: 2, ..SheetRow::default() };
        for (i, (t, n)) in texts.iter().zip(&numbers).enumerate() {
            row.cells[i + 1] = match n {
                Some(f) => Cell { text: t.clone(), kind: CellKind::Float(*f) },
                None => Cell::text(t.clone()),
            };
        }
        match validate_row(&row, &mut ImportContext::new(today())) {
            Ok(m) => prop_assert!(!m.name.is_empty()),
            Err(f) => {
                prop_assert!(!f.reasons.is_empty());
                prop_assert!(f.reasons.iter().all(|(code, reason)| !code.is_empty() && !reason.is_empty()));
            }
        }
    }

    #[test]
    fn valid_ids_with_any_spacing_validate(
        body in "[1-6][0-9]{5}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
        pad in "[ \t\u{3000}]{0,3}",
    ) {
        let n = id(&body);
        let spaced = format!("{pad}{}{pad}{}{pad}", &n[..6], &n[6..]);
        match check(&["张三", "", &spaced]) {
            Ok(m) => prop_assert_eq!(m.id.as_str(), n.as_str()),
            // Region codes the domain does not know are its business, not ours.
            Err(f) => prop_assert_eq!(f.codes().collect::<Vec<_>>(), ["ID_REGION"]),
        }
    }
}

/// A correction typed on screen is refused exactly when, and why, the same columns in a row
/// would be.
#[test]
fn an_identity_typed_on_screen_is_held_to_the_rules_of_an_import_row() {
    let good = id("41020219850315123");
    let cases: [[&str; 4]; 6] = [
        ["", good.as_str(), "", ""],
        ["居民身份证", good.as_str(), "女", ""],
        ["居民身份证", "41020219850315123", "", ""],
        ["护照", "E12345678", "", ""],
        ["护照", "E12345678", "男", "2999-01-01"],
        ["护照", "E12345678", "男", "1980-05-06"],
    ];
    for [id_type, number, gender, birth] in cases {
        let from_row = codes(&["张三", id_type, number, gender, birth]);
        let typed = match check_identity(id_type, number, gender, birth, today()) {
            Ok(identity) => {
                assert_eq!(identity.id.as_str(), number);
                Vec::new()
            }
            Err(problems) => problems.into_iter().map(|(_, code, _)| code).collect(),
        };
        assert_eq!(typed, from_row, "{id_type} {number} {gender} {birth}");
    }
}
