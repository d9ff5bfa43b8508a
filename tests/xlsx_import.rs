//! The lines import reads the first sheet of an `.xlsx` as it reads CSV (header row, a column per year), with
//! numbers through their shortest decimal text and text amounts as printed; and a hostile workbook (a zip bomb,
//! a declared string count to exhaust memory, a cell far off the sheet, not a zip at all) is a 422, never a
//! crash or a 500, and writes nothing.

mod common;

use std::io::Write;

use common::reads::lines_and_feed;
use common::TestApi;
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const IMPORT: &str = "/api/v1/imports/lines?unit=thousands";

/// A workbook whose first sheet holds `rows`: a number where a cell is a JSON number, else text.
fn workbook(rows: &[Vec<Value>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Value::Number(number) => {
                    sheet.write_number(r, c, number.as_f64().unwrap()).unwrap();
                }
                Value::String(text) => {
                    sheet.write_string(r, c, text).unwrap();
                }
                _ => {}
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn header() -> Vec<Value> {
    [
        "ref",
        "kind",
        "directorate",
        "title",
        "2021/22",
        "2022/23",
        "2023/24",
    ]
    .iter()
    .map(|h| json!(h))
    .collect()
}

/// A zip of these entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn refused(api: &TestApi, body: &[u8]) -> Value {
    let before = lines_and_feed(api);
    let reply = api.send_bytes("POST", IMPORT, XLSX, body);
    let problem = reply.assert_problem(422, "validation");
    assert_eq!(lines_and_feed(api), before, "nothing written");
    problem
}

on_both_backends! {
    fn reads_the_first_sheet_as_printed_in_thousands(api: &TestApi) {
        api.with_demo();
        let file = workbook(&[
            header(),
            vec![json!("CFE SAV03"), json!("saving"), json!("CFE"), json!("Reconfiguration of Adolescent Services"), json!(1608), json!(0), json!(0)],
            // SAV07 typed as Table 8 prints it, as text; a decimal number of thousands; a blank 2023/24.
            vec![json!("CFE SAV07"), json!("saving"), json!("CFE"), json!("Placements"), json!("(1,065)"), json!(126.4)],
            vec![json!(""), json!("growth"), json!("CFE"), json!("Transport pressures"), json!(272.5), json!("-"), json!("£85")],
        ]);
        let reply = api.send_bytes("POST", IMPORT, XLSX, &file);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let report = reply.json();
        assert_eq!(report["updated"], json!(["CFE SAV07"]), "SAV03 is as the demo holds it");
        assert_eq!(report["unchanged"], json!(["CFE SAV03"]));
        assert_eq!(report["created"], json!(["CFE GRO10"]));
        let sav07 = api.get("/api/v1/lines/CFE-SAV07").json();
        assert_eq!(sav07["years"][0], json!({"year": "2021/22", "amount": "1065000.00"}));
        assert_eq!(sav07["years"][1], json!({"year": "2022/23", "amount": "126400.00"}));
        let gro10 = api.get("/api/v1/lines/CFE-GRO10").json();
        assert_eq!(gro10["years"], json!([
            {"year": "2021/22", "amount": "272500.00"},
            {"year": "2022/23", "amount": "0.00"},
            {"year": "2023/24", "amount": "85000.00"}
        ]));
    }

    fn formula_residue_is_a_problem_naming_the_cell_never_rounded(api: &TestApi) {
        api.with_demo();
        let file = workbook(&[
            header(),
            vec![json!("CFE SAV70"), json!("saving"), json!("CFE"), json!("Fine"), json!(10)],
            vec![json!("CFE SAV71"), json!("saving"), json!("CFE"), json!("Residue"), json!(1171.5000000000002)],
        ]);
        let problem = refused(api, &file);
        assert_eq!(problem["errors"][0]["field"], "row 2: 2021/22", "{problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("1171.5000000000002"), "{problem}");
        assert_eq!(problem["errors"].as_array().unwrap().len(), 1);
    }

    fn a_hostile_workbook_is_refused_before_it_costs_anything(api: &TestApi) {
        api.with_cfe();
        // Not a zip at all.
        let problem = refused(api, b"ref,kind\nCFE SAV01,saving\n");
        assert!(problem["errors"][0]["message"].as_str().unwrap().starts_with("not an .xlsx workbook"), "{problem}");
        // A zip bomb: 80 MiB of zeros in a few kilobytes.
        let zeros = vec![0u8; 80 * 1024 * 1024];
        let bomb = zip_of(&[("xl/worksheets/sheet1.xml", &zeros)]);
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        let problem = refused(api, &bomb);
        assert_eq!(problem["errors"][0]["message"], "the workbook unpacks to more than 64 MiB", "{problem}");
        // A shared-strings table declaring ten billion strings, for a reader that reserves room up front.
        let strings = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="10000000000"><si><t>a</t></si></sst>"#;
        let problem = refused(api, &zip_of(&[("xl/sharedStrings.xml", strings)]));
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("10000000000 distinct strings"), "{problem}");
        // A cell far to the right of any column, and one far below any row: refused as the limits say.
        let mut far = Workbook::new();
        far.add_worksheet().write_string(0, 0, "ref").unwrap().write_string(3, 16_000, "x").unwrap();
        let problem = refused(api, &far.save_to_buffer().unwrap());
        assert_eq!(problem["errors"][0]["field"], "columns", "{problem}");
        let mut deep = Workbook::new();
        deep.add_worksheet().write_string(0, 0, "ref").unwrap().write_string(1_000_000, 0, "x").unwrap();
        let problem = refused(api, &deep.save_to_buffer().unwrap());
        assert_eq!(problem["errors"][0]["field"], "rows", "{problem}");
    }
}
