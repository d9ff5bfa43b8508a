//! The lines list as a file: CSV or XLSX of every line the filters cover (not one page of 500), in the same
//! order as the JSON pages, with the totals rows of the whole set; a page only when `limit` or `cursor` asks
//! for one; as at an instant, titled as a person reads it.

mod common;

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::reads::{now, refs, with_as_at};
use common::TestApi;

/// Lines imported for HOU, beyond the 21 CFE lines of the demo: more than two pages of 500, and (with their long
/// titles) a CSV of more than one 256 KiB chunk.
const HOU_LINES: usize = 1_200;

/// 1,200 HOU savings of £1,000.00 in 2021/22 each, with 180-character titles.
fn with_housing(api: &TestApi) {
    api.with_directorate("HOU", "Housing");
    let mut csv = String::from("kind,directorate,title,owner,status,2021/22\n");
    for n in 1..=HOU_LINES {
        csv.push_str(&format!(
            "saving,HOU,Review of voids {n:04} {},Housing BP,agreed,1000.00\n",
            "x".repeat(160)
        ));
    }
    let imported = api.send("POST", "/api/v1/imports/lines", "text/csv", &csv);
    assert_eq!(imported.status, 200, "{}", imported.body);
}

/// The records of a CSV, header first.
fn records(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|record| {
            record
                .expect("a CSV record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// The row whose first cell is `label`, as text.
fn row<'a>(records: &'a [Vec<String>], label: &str) -> &'a [String] {
    records
        .iter()
        .find(|record| record[0] == label)
        .unwrap_or_else(|| panic!("no {label} row"))
}

/// Every ref the JSON list gives for `query`, page by page.
fn refs_paged(api: &TestApi, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut next = Some(format!("/api/v1/lines?limit=500&{query}"));
    while let Some(url) = next {
        let page = api.get(&url).json();
        seen.extend(refs(&page["lines"]));
        next = page["next"].as_str().map(str::to_owned);
    }
    seen
}

fn sheet(bytes: Vec<u8>) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX");
    workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable")
}

fn text(range: &calamine::Range<Data>, at: (u32, u32)) -> String {
    match range.get_value(at) {
        Some(Data::String(text)) => text.clone(),
        other => panic!("{at:?} is {other:?}, not text"),
    }
}

on_both_backends! {
    fn a_csv_export_is_every_line_the_filters_cover_with_their_totals(api: &TestApi) {
        api.with_demo();
        with_housing(api);
        let reply = api.get("/api/v1/lines?format=csv");
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("content-type"), Some("text/csv"));
        assert_eq!(reply.header("content-disposition"), Some("attachment; filename=\"mtfs-lines.csv\""));
        assert_eq!(reply.header("content-length"), Some(reply.body.len().to_string().as_str()));
        assert!(reply.body.len() > 256 * 1024, "more than one chunk: {}", reply.body.len());
        let csv = records(&reply.body);
        assert_eq!(csv[0], ["Ref", "Kind", "Directorate", "Title", "Owner", "Status", "Nature", "2021/22", "2022/23", "2023/24", "Total"]);
        // 21 CFE lines and 1,200 HOU savings, in the JSON pages' order, then three totals rows.
        let lines: Vec<String> = csv[1..csv.len() - 3].iter().map(|record| record[0].clone()).collect();
        assert_eq!(lines.len(), 21 + HOU_LINES);
        assert_eq!(lines, refs_paged(api, ""));
        // Savings: CFE's £9,433,000.00 and 1,200 × £1,000.00, negative as printed.
        assert_eq!(row(&csv, "Total efficiencies")[7..10], ["-10633000.00", "-4694000.00", "-2296000.00"]);
        assert_eq!(row(&csv, "Total growth")[7..10], ["20433000.00", "85000.00", "77000.00"]);
        assert_eq!(row(&csv, "Net")[7..10], ["9800000.00", "-4609000.00", "-2219000.00"]);
        let sav05 = row(&csv, "CFE SAV05");
        assert_eq!(sav05[7..11], ["-794000.00", "-1654000.00", "-1385000.00", "-3833000.00"]);
        // A filter the kept totals do not answer still gets the whole set's totals, unless told not to.
        let saving_2021 = records(&api.get("/api/v1/lines?format=csv&directorate=HOU&year=2021-22&q=review").body);
        assert_eq!(saving_2021.len(), 1 + HOU_LINES + 3);
        assert_eq!(row(&saving_2021, "Total efficiencies")[7], "-1200000.00");
        let no_totals = records(&api.get("/api/v1/lines?format=csv&kind=saving&year=2021-22&totals=false").body);
        assert!(no_totals.iter().all(|record| record[0] != "Total efficiencies"));
        assert_eq!(no_totals.len(), 1 + refs_paged(api, "kind=saving&year=2021-22").len());
        // In £000s.
        let thousands = records(&api.get("/api/v1/lines?format=csv&unit=thousands&directorate=CFE").body);
        assert_eq!(row(&thousands, "Total efficiencies")[7..10], ["-9433", "-4694", "-2296"]);
        assert_eq!(row(&thousands, "CFE SAV05")[7], "-794");
    }

    fn an_xlsx_export_is_the_whole_set_titled_with_its_instant(api: &TestApi) {
        api.with_demo();
        let before_housing = now();
        with_housing(api);
        let (status, content_type, bytes) = api.get_bytes("/api/v1/lines?directorate=HOU&format=xlsx", "*/*");
        assert_eq!((status, content_type.as_str()), (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        let range = sheet(bytes);
        assert!(text(&range, (0, 0)).starts_with("MTFS lines, £, as at "), "{}", text(&range, (0, 0)));
        assert_eq!(text(&range, (2, 0)), "Ref");
        assert_eq!(text(&range, (3, 0)), "HOU SAV01");
        let last_line = 3 + HOU_LINES as u32 - 1;
        assert_eq!(text(&range, (last_line, 3)), format!("Review of voids 1200 {}", "x".repeat(160)));
        assert_eq!(range.get_value((last_line, 7)), Some(&Data::Float(-1000.0)));
        assert_eq!(text(&range, (last_line + 1, 0)), "Total efficiencies");
        assert_eq!(range.get_value((last_line + 1, 7)), Some(&Data::Float(-1_200_000.0)));
        assert_eq!(range.height() as u32, last_line + 4);
        // As at an instant before the housing lines: the CFE lines only, titled to the minute in UTC.
        let (status, _, bytes) = api.get_bytes(&with_as_at("/api/v1/lines?format=xlsx", &before_housing), "*/*");
        assert_eq!(status, 200);
        let range = sheet(bytes);
        let at = time::OffsetDateTime::parse(&before_housing, &time::format_description::well_known::Rfc3339).unwrap();
        let minute = time::macros::format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute] UTC");
        assert_eq!(text(&range, (0, 0)), format!("MTFS lines, £, as at {}", at.format(minute).unwrap()));
        assert_eq!(range.height(), 3 + 21 + 3);
        let csv_then = records(&api.get(&with_as_at("/api/v1/lines?format=csv", &before_housing)).body);
        assert_eq!(row(&csv_then, "Total efficiencies")[7], "-9433000.00");
        // A title as at an instant given with an offset and microseconds reads in UTC, to the minute.
        let (status, _, bytes) = api.get_bytes("/api/v1/lines?format=xlsx&as_at=2021-06-30T18:00:30.123456%2B01:00", "*/*");
        assert_eq!(status, 200);
        assert_eq!(text(&sheet(bytes), (0, 0)), "MTFS lines, £, as at 30 June 2021, 17:00 UTC");
        let (status, _, bytes) = api.get_bytes("/api/v1/reports/summary?format=xlsx&unit=thousands&as_at=2021-06-30T18:00:30.123456%2B01:00", "*/*");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        let title = text(&sheet(bytes), (0, 0));
        assert!(title.starts_with("MTFS summary") && title.ends_with(", £000s, as at 30 June 2021, 17:00 UTC"), "{title}");
    }

    fn a_page_is_exported_only_when_asked_for(api: &TestApi) {
        api.with_demo();
        let page = records(&api.get("/api/v1/lines?format=csv&directorate=CFE&limit=2").body);
        assert_eq!(page.iter().skip(1).map(|r| r[0].as_str()).collect::<Vec<_>>(),
            ["CFE GRO01", "CFE GRO02", "Total efficiencies", "Total growth", "Net"]);
        let after = records(&api.get("/api/v1/lines?format=csv&directorate=CFE&cursor=CFE-SAV15").body);
        assert_eq!(after.iter().skip(1).map(|r| r[0].as_str()).collect::<Vec<_>>(),
            ["CFE SAV16", "Total efficiencies", "Total growth", "Net"]);
        // A page's totals follow the JSON page's rule: not by default with a year filter.
        let filtered = records(&api.get("/api/v1/lines?format=csv&year=2021-22&limit=2").body);
        assert_eq!(filtered.len(), 3);
        api.get("/api/v1/lines?format=csv&limit=0").assert_field_error(400, "invalid-parameter", "limit");
        api.get("/api/v1/lines?format=xlsx&cursor=nonsense").assert_field_error(400, "invalid-parameter", "cursor");
        api.get("/api/v1/lines?format=csv&colour=red").assert_problem(400, "invalid-parameter");
        let anonymous = api.anonymous().get("/api/v1/lines?format=csv");
        assert_eq!(anonymous.status, 401);
    }
}
