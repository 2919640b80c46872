//! The guards bound memory, not only panics: hostile `.xls` and `.ods` files (and a few
//! hundred random mutations of good ones) are read in this process alone, and its peak
//! resident size stays far below what calamine would take unguarded (gigabytes, or an
//! abort on a failed allocation). A binary of its own, so no other test shares the peak.
use shared::spreadsheet::test_support::{
    In, dimensions, id, number_at, ods_rows, ods_workbook, row, xls_with, xls_workbook,
};
use shared::spreadsheet::{XlsxLimits, read_member_rows};

/// Peak resident set of this process (Linux `VmHWM`), in MiB.
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib / 1024
}

/// A small deterministic generator (xorshift), so a failure is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn hostile_and_mutated_files_are_read_in_bounded_memory() {
    let limits = XlsxLimits::default();
    let good_id = id("41020219850315123");
    let rows: Vec<Option<Vec<In<'_>>>> = (0..200).map(|_| Some(row("1", "张三", &good_id))).collect();
    let hostile = [
        xls_with(&[], &[number_at(0, 0), number_at(65_535, 255)].concat(), 1),
        xls_with(&[], &dimensions(0, 4_000_000, 0, 256), 1),
        xls_with(&[], &dimensions(70_000, 5, 0, 9), 1),
        // One sheet of ~61,000 cells, named sixty times.
        xls_with(&[], &[number_at(0, 0), number_at(1_000, 60)].concat(), 60),
        ods_rows(
            r#"<table:table-row table:number-rows-repeated="5000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
        ),
        ods_rows(
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string" office:string-value="一个很长的字符串一个很长的字符串"/></table:table-row>"#,
        ),
        ods_rows(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row>"#,
        ),
    ];
    for file in &hostile {
        let refused = read_member_rows(file, &limits).expect_err("hostile file refused");
        assert!(
            matches!(refused.code(), "CONTENT_TOO_LARGE" | "CORRUPT_FILE"),
            "{refused:?}"
        );
    }
    // Refused before calamine allocates anything (measured: ~6 MiB here).
    assert!(
        peak_mib() < 64,
        "peak resident {} MiB after the hostile files",
        peak_mib()
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for good in [xls_workbook(&rows, true), ods_workbook(&rows, true)] {
        assert_eq!(read_member_rows(&good, &limits).expect("good file").len(), 200);
        for _ in 0..300 {
            let mut file = good.clone();
            for _ in 0..1 + rng.next() % 8 {
                let at = (rng.next() % file.len() as u64) as usize;
                file[at] = rng.next() as u8;
            }
            let _ = read_member_rows(&file, &limits);
        }
    }
    // A mutation that passes the guards may take calamine up to `max_cells` (~185 MiB
    // measured); the import worker has 1,024 MB.
    let peak = peak_mib();
    assert!(peak < 256, "peak resident {peak} MiB");
}
