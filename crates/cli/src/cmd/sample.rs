//! `ikou sample --records N --seed S --out FILE`: a synthetic legacy 住民記録 file.

use crate::exit::{CliError, CliResult, OK};
use crate::output::{print, print_json, shown_path};
use clap::Args;
use ikou_convert::sample::{
    gaiji_table_csv, Dirt, DirtRates, SampleConfig, SampleError, Sampler, LAYOUT_ID, LINE_LEN,
};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

const AFTER_HELP: &str = "\
Writes synthetic residents in the legacy/sample-juki layout: fixed 300-byte CP932 records
with CRLF, households of 1–6 members, names and addresses from gimei (MIT). About 88% of
records are clean; the rest carry dirt real exports have, at documented rates (exact to ±1
record, see docs/SAMPLE.md): half-width kana in 氏名, 外字 F040–F04F, IBM-extension kanji,
dash and wave-dash variants, full-width digits, impossible 和暦 dates, unknown codes, missing
values, bad 個人番号 check digits, duplicate 住民票コード, households without a 世帯主.
The same --records, --seed and rates always give the same bytes.

Dirt kinds for --rate NAME=RATE (default rate in brackets):
{KINDS}
--kind host-juki writes a mainframe export instead (legacy/host-juki: fixed 200-byte JEF
records, K/A shift codes, EBCDIC zoned and packed numbers, 外字 in the JEF user area),
which the bundled profile host-juki converts; see docs/HOST.md.
--kind atena writes a 住登外者 宛名 export (legacy/sample-atena: fixed 500-byte CP932
records, half-width カナ, 和暦 dates, 外字, conditional items left empty), which the bundled
profile sample-atena converts into the official standard/jutogai-atena-kihon.

Examples:
  ikou sample --kind host-juki --records 1000 --out host.dat --copybook host-juki.cpy
  ikou sample --kind atena --records 1000 --out atena.dat --truth atena-truth.csv
  ikou sample --records 1000 --seed 1 --out testdata/sample/juki-1000.dat \\
      --gaiji-table testdata/sample/gaiji.csv
  ikou sample --records 1000000 --seed 7 --out big.dat --json
  ikou sample --records 5000 --seed 2 --clean --rate unknown_zokugara=0.01 --out z.dat";

/// `ikou sample` arguments.
#[derive(Debug, Args)]
#[command(after_help = after_help())]
pub struct SampleArgs {
    /// What to write: `juki` (the CP932 vendor export, legacy/sample-juki) or `host-juki`
    /// (a mainframe export in JEF with zoned and packed numbers, legacy/host-juki; converted
    /// by the bundled profile host-juki; its dirt sits at fixed records, --rate and --clean
    /// do not apply).
    /// `atena` writes a 住登外者 宛名 export (legacy/sample-atena, fixed 500-byte CP932),
    /// converted by the bundled profile sample-atena into the official
    /// standard/jutogai-atena-kihon (its dirt too sits at fixed records).
    #[arg(long, default_value = "juki", value_parser = ["juki", "host-juki", "atena"])]
    pub kind: String,
    /// Number of records to write.
    #[arg(long, default_value_t = 1000)]
    pub records: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The file to write (written under a temporary name, then renamed).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the sample's 外字 table (CSV code,replacement,mj,note) to this file.
    #[arg(long, value_name = "FILE")]
    pub gaiji_table: Option<PathBuf>,
    /// With --kind host-juki: also write the record's COBOL copybook to this file.
    #[arg(long, value_name = "FILE")]
    pub copybook: Option<PathBuf>,
    /// Also write the answer key: one CSV line per dirty record (record,offset,dirt).
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// Set all dirt rates to 0 first (then --rate adds back what you want).
    #[arg(long)]
    pub clean: bool,
    /// Set one dirt rate: NAME=RATE, RATE between 0 and 1 (repeatable).
    #[arg(long = "rate", value_name = "NAME=RATE")]
    pub rates: Vec<String>,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The help text after the options, with the dirt kinds listed.
pub fn after_help() -> String {
    let mut kinds = String::new();
    for d in Dirt::ALL {
        let _ = writeln!(
            kinds,
            "  {} [{}]\n      {}",
            d.as_str(),
            d.default_rate(),
            d.description()
        );
    }
    AFTER_HELP.replace("{KINDS}", &kinds)
}

/// `ikou sample --kind host-juki`: the host-form sample and, if asked, its answer key,
/// copybook and 外字 table.
fn run_host(args: &SampleArgs) -> CliResult {
    use ikou_convert::sample::host::{
        write_host_sample, HostDirt, HOST_ENCODING, HOST_LAYOUT_ID, HOST_PROFILE_ID,
        HOST_RECORD_LEN,
    };
    if args.clean || !args.rates.is_empty() {
        return Err(CliError::usage(
            "--clean and --rate do not apply to --kind host-juki (its dirt sits at fixed records, see docs/SAMPLE.md)",
        ));
    }
    let stats = write_fixed(
        args,
        |w| write_host_sample(args.records, args.seed, w),
        HOST_RECORD_LEN,
        |n| {
            HostDirt::ALL
                .into_iter()
                .filter(|d| d.on(n))
                .map(HostDirt::as_str)
                .collect()
        },
        "host-juki.csv",
    )?;
    if let Some(path) = &args.copybook {
        let cpy = ikou_convert::sample::host::HOST_COPYBOOK;
        write_atomically(path, |w| w.write_all(cpy.as_bytes()))?;
    }
    print_fixed(
        args,
        Fixed {
            kind: "host-juki",
            fields: &[
                ("layout", HOST_LAYOUT_ID),
                ("profile", HOST_PROFILE_ID),
                ("encoding", HOST_ENCODING),
            ],
            stats: &stats,
            wrote: format!(
                "wrote {} host records ({} bytes, {HOST_ENCODING}, layout {HOST_LAYOUT_ID})",
                stats.records, stats.bytes
            ),
            dirt: &stats.dirt,
            expected_rejects: stats.expected_rejects,
            profile: HOST_PROFILE_ID,
        },
    )
}

/// `ikou sample --kind atena`: the 住登外者 宛名 sample and, if asked, its answer key and
/// 外字 table.
fn run_atena(args: &SampleArgs) -> CliResult {
    use ikou_convert::sample::atena::{
        write_atena_sample, AtenaDirt, ATENA_LAYOUT_ID, ATENA_LINE_LEN, ATENA_PROFILE_ID,
        ATENA_TARGET_ID,
    };
    if args.clean || !args.rates.is_empty() || args.copybook.is_some() {
        return Err(CliError::usage(
            "--clean, --rate and --copybook do not apply to --kind atena (its dirt sits at fixed records, see docs/SAMPLE.md)",
        ));
    }
    let stats = write_fixed(
        args,
        |w| write_atena_sample(args.records, args.seed, w),
        ATENA_LINE_LEN,
        |n| {
            AtenaDirt::of(n)
                .into_iter()
                .map(AtenaDirt::as_str)
                .collect()
        },
        "sample-juki.csv",
    )?;
    print_fixed(
        args,
        Fixed {
            kind: "atena",
            fields: &[
                ("layout", ATENA_LAYOUT_ID),
                ("profile", ATENA_PROFILE_ID),
                ("target", ATENA_TARGET_ID),
            ],
            stats: &stats,
            wrote: format!(
                "wrote {} 住登外者 宛名 records ({} bytes, cp932, layout {ATENA_LAYOUT_ID}; {} 外国人)",
                stats.records, stats.bytes, stats.foreign
            ),
            dirt: &stats.dirt,
            expected_rejects: stats.expected_rejects,
            profile: ATENA_PROFILE_ID,
        },
    )
}

/// Writes a sample whose dirt sits at fixed records (`host-juki`, `atena`) with `write`,
/// then, if asked, its answer key (`dirt_of` each record of `line_len` bytes) and its
/// bundled 外字 table `gaiji`. Returns the sample's counts.
fn write_fixed<S: Default>(
    args: &SampleArgs,
    write: impl FnOnce(&mut dyn Write) -> Result<S, SampleError>,
    line_len: usize,
    dirt_of: impl Fn(u64) -> Vec<&'static str>,
    gaiji: &str,
) -> Result<S, CliError> {
    let mut stats = None;
    write_atomically(&args.out, |w| {
        stats = Some(write(w).map_err(io::Error::other)?);
        Ok(())
    })?;
    if let Some(path) = &args.truth {
        let t = ikou_convert::sample::truth_csv(args.records, line_len as u64, dirt_of);
        write_atomically(path, |w| w.write_all(t.as_bytes()))?;
    }
    if let Some(path) = &args.gaiji_table {
        let table = ikou_layout_spec::profile::bundled_gaiji(gaiji).unwrap_or_default();
        write_atomically(path, |w| w.write_all(table.as_bytes()))?;
    }
    Ok(stats.unwrap_or_default())
}

/// What the summary of a sample with fixed dirt says.
struct Fixed<'a, S> {
    /// `--kind`.
    kind: &'static str,
    /// The layout, profile and the like, for `--json`.
    fields: &'a [(&'static str, &'static str)],
    /// The counts, for `--json`.
    stats: &'a S,
    /// The first line, up to ` to OUT`.
    wrote: String,
    /// Records with each kind of dirt.
    dirt: &'a std::collections::BTreeMap<&'static str, u64>,
    /// Records a correct conversion rejects.
    expected_rejects: u64,
    /// The bundled profile that converts the sample.
    profile: &'static str,
}

/// Prints the summary of a sample with fixed dirt: as JSON with `--json`, else what was
/// written, the records of each kind of dirt and how to convert it.
fn print_fixed<S: serde::Serialize>(args: &SampleArgs, f: Fixed<'_, S>) -> CliResult {
    if args.json {
        let mut v = serde_json::json!({
            "out": args.out.display().to_string(),
            "kind": f.kind,
            "seed": args.seed,
            "stats": f.stats,
        });
        if let Some(map) = v.as_object_mut() {
            for (k, x) in f.fields {
                map.insert((*k).to_string(), (*x).into());
            }
        }
        print_json(&v)?;
        return Ok(OK);
    }
    let mut s = String::new();
    let _ = writeln!(s, "{} to {}", f.wrote, args.out.display());
    for (k, n) in f.dirt {
        if *n > 0 {
            let _ = writeln!(s, "  {k:<26} {n:>8} records");
        }
    }
    let _ = writeln!(
        s,
        "a correct conversion rejects {} records; convert with: ikou convert --profile {} {} --out DIR",
        f.expected_rejects,
        f.profile,
        args.out.display()
    );
    print(&s)?;
    Ok(OK)
}

/// Runs `ikou sample`.
pub fn run(args: SampleArgs) -> CliResult {
    if args.kind == "host-juki" {
        return run_host(&args);
    }
    if args.kind == "atena" {
        return run_atena(&args);
    }
    if args.copybook.is_some() {
        return Err(CliError::usage(
            "--copybook is for --kind host-juki (the CP932 sample has no copybook)",
        ));
    }
    let mut rates = if args.clean {
        DirtRates::none()
    } else {
        DirtRates::default()
    };
    for spec in &args.rates {
        rates
            .set_from_str(spec)
            .map_err(|e| CliError::usage(format!("--rate: {e}")))?;
    }
    let config = SampleConfig {
        records: args.records,
        seed: args.seed,
        rates,
    };
    let started = Instant::now();
    let stats = write_files(&config, &args.out, args.truth.as_deref())?;
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(path) = &args.gaiji_table {
        write_atomically(path, |w| w.write_all(gaiji_table_csv().as_bytes()))?;
    }

    if args.json {
        let value = serde_json::json!({
            "out": args.out.display().to_string(),
            "layout": LAYOUT_ID,
            "seed": config.seed,
            "rates": config.rates,
            "stats": stats,
        });
        print_json(&value)?;
        return Ok(OK);
    }
    let mut s = String::new();
    let mb = stats.bytes as f64 / 1e6;
    let _ = writeln!(
        s,
        "wrote {} records ({} bytes, {} households) to {} in {:.2} s ({:.0} MB/s)",
        stats.records,
        stats.bytes,
        stats.households,
        args.out.display(),
        elapsed,
        if elapsed > 0.0 { mb / elapsed } else { 0.0 }
    );
    let pct = |n: u64| {
        if stats.records == 0 {
            0.0
        } else {
            n as f64 * 100.0 / stats.records as f64
        }
    };
    let _ = writeln!(
        s,
        "clean records: {} ({:.1}%), with dirt: {}",
        stats.clean_records,
        pct(stats.clean_records),
        stats.dirty_records()
    );
    for (d, n) in stats.counts() {
        if n > 0 {
            let unit = if d.per_household() {
                "households"
            } else {
                "records"
            };
            let _ = writeln!(s, "  {:<26} {:>8} {unit}", d.as_str(), n);
        }
    }
    print(&s)?;
    Ok(OK)
}

fn write_files(
    config: &SampleConfig,
    out: &Path,
    truth: Option<&Path>,
) -> Result<ikou_convert::sample::SampleStats, CliError> {
    let mut sampler = Sampler::new(config).map_err(sample_error)?;
    let mut truth_buf: Option<Vec<u8>> = truth.map(|_| b"record,offset,dirt\n".to_vec());
    write_atomically(out, |w| {
        let mut buf = Vec::with_capacity(64 * 1024 + LINE_LEN);
        while let Some(rec) = sampler.next_record() {
            buf.extend_from_slice(rec.bytes);
            if buf.len() >= 64 * 1024 {
                w.write_all(&buf)?;
                buf.clear();
            }
            if let Some(t) = truth_buf.as_mut() {
                if !rec.dirt.is_empty() {
                    let kinds: Vec<&str> = rec.dirt.iter().map(Dirt::as_str).collect();
                    let _ = writeln!(t, "{},{},{}", rec.number, rec.offset, kinds.join(";"));
                }
            }
        }
        w.write_all(&buf)
    })?;
    if let (Some(path), Some(t)) = (truth, truth_buf) {
        write_atomically(path, |w| w.write_all(&t))?;
    }
    Ok(sampler.stats().clone())
}

fn sample_error(e: SampleError) -> CliError {
    match e {
        SampleError::Io(e) => CliError::io(e.to_string()),
        other => CliError::usage(other.to_string()),
    }
}

/// Writes `path` through the one atomic-write helper of every verb
/// ([`crate::output::write_atomically`]), the error naming the path.
fn write_atomically(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), CliError> {
    crate::output::write_atomically(path, body)
        .map_err(|e| CliError::io(format!("writing {}: {e}", shown_path(path))))
}
