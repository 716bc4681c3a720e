//! `memload MIB SEED --corpus FILE [--requests N] [--port PORT]`: the memcached benchmark's
//! load generator (tools/vm/bench/memcached.sh), against memcached on 127.0.0.1 (text protocol).
//!
//! 1. Load: sets keys 0, 1, ... (ETC key and value sizes, values cut from the page corpus FILE:
//!    src/kvload.rs) until MIB MiB of keys and values are stored, 32 sets in flight.
//! 2. Run: N requests (default 50 000), one at a time, keys drawn Zipfian (0.99, scrambled);
//!    one in 31 is a set of the key's next version (ETC's 30:1 gets to sets), the rest are gets,
//!    each value compared byte for byte with what was last set. Prints the throughput and the
//!    latency percentiles (p10 to p99.99).
//! 3. Check: gets every key (32 per multi-get) and compares every value.
//!
//! Results are `memload_<name> <value>` lines; `memload: ...` lines show progress. Exit status 0 when every value came back as set
//! (memcached evicted nothing and no byte differed), 1 otherwise, 2 on bad usage.

use ramster_guest::corpus;
use ramster_guest::kvload::{self, Zipf};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

const BATCH: u64 = 32;
/// Gets per set in the run (ETC).
const GETS_PER_SET: u64 = 30;
const THETA: f64 = 0.99;
const WAIT: Duration = Duration::from_secs(600);
/// A progress line every this many keys loaded and requests made.
const PROGRESS_KEYS: u64 = 32 * 1024;
const PROGRESS_REQUESTS: u64 = 5000;
/// The latency percentiles printed (the report's table shows p50, p99 and p99.9; its chart
/// draws them all).
const PERCENTILES: [(&str, f64); 9] = [
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p999", 0.999),
    ("p9999", 0.9999),
];

struct Options {
    mib: u64,
    seed: u64,
    corpus: String,
    requests: u64,
    port: u16,
}

fn parse(args: &[String]) -> Option<Options> {
    let mut rest = args.iter();
    let mib = rest.next()?.parse().ok().filter(|&m| m > 0)?;
    let seed = rest.next()?.parse().ok()?;
    let (mut corpus, mut requests, mut port) = (None, 50_000, 11211);
    while let Some(flag) = rest.next() {
        let value = rest.next()?;
        match flag.as_str() {
            "--corpus" => corpus = Some(value.clone()),
            "--requests" => requests = value.parse().ok().filter(|&n| n > 0)?,
            "--port" => port = value.parse().ok()?,
            _ => return None,
        }
    }
    Some(Options {
        mib,
        seed,
        corpus: corpus?,
        requests,
        port,
    })
}

/// A memcached text-protocol connection.
struct Conn {
    out: TcpStream,
    input: BufReader<TcpStream>,
}

impl Conn {
    /// Connects, retrying for up to 30 s while memcached starts.
    fn open(port: u16) -> io::Result<Self> {
        let start = Instant::now();
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(e) if start.elapsed() > Duration::from_secs(30) => return Err(e),
                Err(_) => thread::sleep(Duration::from_millis(200)),
            }
        };
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(WAIT))?;
        Ok(Conn {
            input: BufReader::new(stream.try_clone()?),
            out: stream,
        })
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "memcached closed",
            ));
        }
        Ok(line.trim_end().to_string())
    }

    fn expect(&mut self, want: &str) -> io::Result<()> {
        let got = self.line()?;
        if got != want {
            return Err(fail(format!("memcached said {got:?}, expected {want:?}")));
        }
        Ok(())
    }

    /// Queues a set (sent at the next flush).
    fn set(&mut self, buf: &mut Vec<u8>, key: &str, value: &[u8]) {
        buf.extend_from_slice(format!("set {key} 0 0 {}\r\n", value.len()).as_bytes());
        buf.extend_from_slice(value);
        buf.extend_from_slice(b"\r\n");
    }

    /// Reads one get's answers for `keys` (in order); Ok(None) for a key memcached lacks.
    fn values(&mut self, keys: &[String]) -> io::Result<Vec<Option<Vec<u8>>>> {
        let mut out = Vec::with_capacity(keys.len());
        let mut line = self.line()?;
        for key in keys {
            let words: Vec<&str> = line.split(' ').collect();
            if words.len() == 4 && words[0] == "VALUE" && words[1] == key {
                let len: usize = words[3]
                    .parse()
                    .map_err(|_| fail(format!("bad {line:?}")))?;
                let mut data = vec![0u8; len + 2];
                self.input.read_exact(&mut data)?;
                if !data.ends_with(b"\r\n") {
                    return Err(fail(format!("value of {key} not followed by CRLF")));
                }
                data.truncate(len);
                out.push(Some(data));
                line = self.line()?;
            } else {
                out.push(None);
            }
        }
        if line != "END" {
            return Err(fail(format!("memcached said {line:?}, expected END")));
        }
        Ok(out)
    }

    fn stat(&mut self, name: &str) -> io::Result<u64> {
        self.out.write_all(b"stats\r\n")?;
        let mut value = None;
        loop {
            let line = self.line()?;
            if line == "END" {
                break;
            }
            let words: Vec<&str> = line.split(' ').collect();
            if words.len() == 3 && words[0] == "STAT" && words[1] == name {
                value = words[2].parse().ok();
            }
        }
        value.ok_or_else(|| fail(format!("no stat {name}")))
    }
}

fn fail(msg: String) -> io::Error {
    io::Error::other(msg)
}

/// The workload's state: the corpus, the seed and every key's current version.
struct Workload {
    corpus: &'static [u8],
    seed: u64,
    versions: Vec<u8>,
}

impl Workload {
    fn value(&self, index: u64) -> &'static [u8] {
        kvload::value(self.seed, index, self.versions[index as usize], self.corpus)
    }

    fn check(&self, index: u64, got: Option<Vec<u8>>) -> io::Result<()> {
        let key = kvload::key(self.seed, index);
        match got {
            None => Err(fail(format!("key {key} is gone (evicted or lost)"))),
            Some(v) if v != self.value(index) => {
                let want = self.value(index);
                let at = v
                    .iter()
                    .zip(want)
                    .position(|(a, b)| a != b)
                    .unwrap_or(want.len());
                Err(fail(format!(
                    "key {key}: {} bytes back, {} set; first difference at byte {at}",
                    v.len(),
                    want.len()
                )))
            }
            Some(_) => Ok(()),
        }
    }
}

/// Stores keys until `mib` MiB of keys and values are in; returns the number of keys.
fn load(conn: &mut Conn, w: &mut Workload, mib: u64) -> io::Result<u64> {
    let (mut bytes, mut n) = (0u64, 0u64);
    let mut buf = Vec::new();
    while bytes < mib << 20 {
        buf.clear();
        for index in n..n + BATCH {
            w.versions.push(0);
            let key = kvload::key(w.seed, index);
            bytes += (key.len() + w.value(index).len()) as u64;
            conn.set(&mut buf, &key, w.value(index));
        }
        conn.out.write_all(&buf)?;
        for _ in 0..BATCH {
            conn.expect("STORED")?;
        }
        n += BATCH;
        if n % PROGRESS_KEYS == 0 {
            println!("memload: {n} keys, {} MiB stored", bytes >> 20);
        }
    }
    println!("memload_key_value_bytes {bytes}");
    Ok(n)
}

/// The timed run: `requests` Zipfian requests one at a time; returns each one's nanoseconds.
fn run(conn: &mut Conn, w: &mut Workload, items: u64, requests: u64) -> io::Result<Vec<u64>> {
    let zipf = Zipf::new(items, THETA);
    let mut times = Vec::with_capacity(requests as usize);
    let mut buf = Vec::new();
    for i in 0..requests {
        let u = kvload::unit(kvload::mix(w.seed ^ 0x5eed ^ i.wrapping_mul(0x9e37_79b9)));
        let index = zipf.scrambled(zipf.rank(u));
        let key = kvload::key(w.seed, index);
        let start = Instant::now();
        if i % (GETS_PER_SET + 1) == GETS_PER_SET {
            w.versions[index as usize] = w.versions[index as usize].wrapping_add(1);
            buf.clear();
            conn.set(&mut buf, &key, w.value(index));
            conn.out.write_all(&buf)?;
            conn.expect("STORED")?;
        } else {
            conn.out.write_all(format!("get {key}\r\n").as_bytes())?;
            let got = conn.values(std::slice::from_ref(&key))?.pop().flatten();
            w.check(index, got)?;
        }
        times.push(start.elapsed().as_nanos() as u64);
        if (i + 1) % PROGRESS_REQUESTS == 0 {
            println!("memload: {} requests", i + 1);
        }
    }
    Ok(times)
}

/// Gets every key (BATCH per multi-get) and compares every value.
fn check_all(conn: &mut Conn, w: &Workload, items: u64) -> io::Result<()> {
    let mut first = 0;
    while first < items {
        let last = (first + BATCH).min(items);
        let keys: Vec<String> = (first..last).map(|i| kvload::key(w.seed, i)).collect();
        conn.out
            .write_all(format!("get {}\r\n", keys.join(" ")).as_bytes())?;
        for (index, got) in (first..last).zip(conn.values(&keys)?) {
            w.check(index, got)?;
        }
        first = last;
    }
    Ok(())
}

fn bench(o: &Options) -> io::Result<()> {
    let corpus = corpus::load(&o.corpus).map_err(fail)?;
    if corpus.len() < kvload::VALUE_MAX {
        return Err(fail(format!(
            "{}: smaller than the largest value",
            o.corpus
        )));
    }
    let mut w = Workload {
        corpus,
        seed: o.seed,
        versions: Vec::new(),
    };
    let mut conn = Conn::open(o.port)?;

    let start = Instant::now();
    let items = load(&mut conn, &mut w, o.mib)?;
    println!("memload_items {items}");
    println!("memload_load_s {:.2}", start.elapsed().as_secs_f64());
    println!("memload_memcached_bytes {}", conn.stat("bytes")?);

    let start = Instant::now();
    let mut times = run(&mut conn, &mut w, items, o.requests)?;
    let secs = start.elapsed().as_secs_f64();
    times.sort_unstable();
    let us = |f: f64| kvload::percentile(&times, f) as f64 / 1000.0;
    println!("memload_requests {}", o.requests);
    println!("memload_run_s {secs:.2}");
    println!("memload_ops_per_s {:.1}", o.requests as f64 / secs);
    for (name, fraction) in PERCENTILES {
        println!("memload_{name}_us {:.1}", us(fraction));
    }

    let start = Instant::now();
    check_all(&mut conn, &w, items)?;
    println!("memload_check_s {:.2}", start.elapsed().as_secs_f64());
    let evicted = conn.stat("evictions")?;
    if evicted != 0 {
        return Err(fail(format!(
            "memcached evicted {evicted} items (raise -m)"
        )));
    }
    println!(
        "memload: {items} keys, every value verified after {} requests",
        o.requests
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(options) = parse(&args) else {
        eprintln!("usage: memload MIB SEED --corpus FILE [--requests N] [--port PORT]");
        return ExitCode::from(2);
    };
    match bench(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memload: FAILED: {e}");
            ExitCode::from(1)
        }
    }
}
