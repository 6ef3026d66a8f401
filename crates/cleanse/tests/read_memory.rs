//! Memory stays flat while streaming a large input (its own test binary, so the peak is ours).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::CharProfile;
use ikou_cleanse::frame::{RawRecord, RecordReader, Slicer};
use std::io::Read;

/// Generates sample-juki records (300 bytes + CRLF) on the fly, `left` bytes in all.
struct Gen {
    rec: Vec<u8>,
    pos: usize,
    left: u64,
}

impl Read for Gen {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() && self.left > 0 {
            let take = (self.rec.len() - self.pos)
                .min(buf.len() - n)
                .min(self.left as usize);
            buf[n..n + take].copy_from_slice(&self.rec[self.pos..self.pos + take]);
            n += take;
            self.pos = (self.pos + take) % self.rec.len();
            self.left -= take as u64;
        }
        Ok(n)
    }
}

fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn streaming_memory_is_flat() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/reading/juki-5.sjis");
    let rec = std::fs::read(root).unwrap()[..302].to_vec();
    let layout = ikou_layout_spec::Catalog::bundled()
        .unwrap()
        .layout("legacy/sample-juki")
        .unwrap()
        .clone();
    let total: u64 = 302 * 200_000; // 60 MB
    let before = vm_hwm_kb();
    let mut r = RecordReader::new(
        Gen {
            rec,
            pos: 0,
            left: total,
        },
        &layout,
    )
    .unwrap();
    let mut raw = RawRecord::new();
    let profile = CharProfile::cp932();
    let mut slicer = Slicer::new(Charset::Cp932);
    let mut text = String::new();
    let mut issues = Vec::new();
    let mut n = 0u64;
    while r.read_record(&mut raw).unwrap() {
        n += 1;
        assert!(raw.problems.is_empty());
        let mut slices = Vec::new();
        slicer.slice(&raw, &layout.items, &mut slices);
        text.clear();
        profile.decode_item(slices[4].bytes.unwrap(), &mut text, &mut issues);
    }
    assert_eq!(n, 200_000);
    assert_eq!(r.summary().bytes, total);
    if let (Some(b), Some(a)) = (before, vm_hwm_kb()) {
        println!("VmHWM before {b} kB, after {a} kB for {total} bytes");
        assert!(a.saturating_sub(b) < 16 * 1024, "peak grew by {} kB", a - b);
    } else {
        println!("note: no /proc/self/status; memory not measured");
    }
}
