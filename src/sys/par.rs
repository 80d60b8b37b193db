//! Work on every core for the steps that walk a large answer row by row: building the report's
//! rows and formatting them. A search is one thread; an admin-sized answer (hundreds of thousands
//! of rows, hundreds of megabytes of JSON) then spends as long being described as being
//! found, and the second core sat idle. Both helpers keep the order of the rows, so the output is
//! byte for byte what one thread would write, and both stay on the calling thread for small
//! inputs, where starting a thread would cost more than it saves.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc;

/// The cores this process may use. Asked once: the standard library reads the cgroup's CPU
/// quota files on every call, and a command asks at each step.
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `a` here and `b` on another thread when `parallel` and there is another core, and
/// returns both results. A panic in `b` is resumed here.
pub fn join<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel || threads() < 2 {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let other = s.spawn(b);
        let here = a();
        let there = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (here, there)
    })
}

/// Maps `items` to rows, in order: `f` gets a run of consecutive items and appends one row per
/// item. From `min_len` items the runs are mapped on every core.
pub fn map_chunks<T: Sync, U: Send>(
    items: &[T],
    min_len: usize,
    f: impl Fn(&[T], &mut Vec<U>) + Sync,
) -> Vec<U> {
    let mut rows = Vec::with_capacity(items.len());
    let threads = threads().min(16);
    if threads < 2 || items.len() < min_len.max(2) {
        f(items, &mut rows);
        return rows;
    }
    let size = items.len().div_ceil(threads);
    let (first, rest) = items.split_at(size);
    let f = &f;
    let others: Vec<Vec<U>> = std::thread::scope(|s| {
        let handles: Vec<_> = rest
            .chunks(size)
            .map(|chunk| {
                s.spawn(move || {
                    let mut part = Vec::with_capacity(chunk.len());
                    f(chunk, &mut part);
                    part
                })
            })
            .collect();
        f(first, &mut rows);
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    for part in others {
        rows.extend(part);
    }
    rows
}

/// Formatted chunks waiting to be written, at most: bounds the memory held to a few chunks
/// whatever the threads' speeds.
const WAITING: usize = 2;

/// The capacity a run's buffer starts with, above a run's usual size: grown by doubling from
/// empty, each buffer would be copied into fresh pages several times, and fresh pages are most
/// of what writing a large answer costs (each is faulted in and zeroed by the kernel).
const BUFFER: usize = 256 << 10;

/// Fewer runs than this are formatted and written here, one after the other: a second thread
/// (its stack, its allocator arena, the hand-over of every run) costs more than it saves on an
/// answer of a few megabytes.
const PARALLEL_RUNS: usize = 32;

/// Writes `items` to `out` as the concatenation of `format(offset, run, buf)` over consecutive
/// runs of `chunk` items (`offset`: the run's first item's position), in order. The runs are
/// formatted on two threads; this one writes each as soon as it is its turn and formats the next
/// unclaimed run while it waits, so writing (a system call copying the bytes) overlaps
/// formatting. A write error stops both threads and is returned.
pub fn write_ordered<T: Sync>(
    out: &mut dyn Write,
    items: &[T],
    chunk: usize,
    format: impl Fn(usize, &[T], &mut Vec<u8>) + Sync,
) -> io::Result<()> {
    let chunk = chunk.max(1);
    let runs = items.len().div_ceil(chunk);
    let run = |c: usize, buf: &mut Vec<u8>| {
        buf.clear();
        let start = c * chunk;
        format(start, &items[start..(start + chunk).min(items.len())], buf);
    };
    if runs < PARALLEL_RUNS || threads() < 2 {
        let mut buf = Vec::with_capacity(BUFFER);
        for c in 0..runs {
            run(c, &mut buf);
            out.write_all(&buf)?;
        }
        return Ok(());
    }
    // Runs are claimed in order by whichever thread is free.
    let next = AtomicUsize::new(0);
    let claim = || Some(next.fetch_add(1, Relaxed)).filter(|&c| c < runs);
    std::thread::scope(|s| {
        let (done, formatted) = mpsc::sync_channel::<(usize, Vec<u8>)>(WAITING);
        let (give, spare) = mpsc::channel::<Vec<u8>>();
        let (claim, run) = (&claim, &run);
        s.spawn(move || {
            while let Some(c) = claim() {
                let mut buf = spare
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BUFFER));
                run(c, &mut buf);
                if done.send((c, buf)).is_err() {
                    return; // the writer stopped on an error
                }
            }
        });
        let mut waiting: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut own: Vec<Vec<u8>> = Vec::new();
        for turn in 0..runs {
            let buf = loop {
                if let Some(k) = waiting.iter().position(|w| w.0 == turn) {
                    break waiting.swap_remove(k).1;
                }
                // Not formatted yet (the other thread has it): format a later run meanwhile.
                if waiting.len() < WAITING {
                    if let Some(c) = claim() {
                        let mut buf = own.pop().unwrap_or_else(|| Vec::with_capacity(BUFFER));
                        run(c, &mut buf);
                        waiting.push((c, buf));
                        continue;
                    }
                }
                match formatted.recv() {
                    Ok(w) => waiting.push(w),
                    Err(_) => return Err(io::Error::other("a formatting thread stopped early")),
                }
            };
            out.write_all(&buf)?;
            // Buffers go back to whoever formats next, so their pages are written only once.
            if own.is_empty() {
                own.push(buf);
            } else {
                let _ = give.send(buf);
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_numbers(offset: usize, run: &[u32], buf: &mut Vec<u8>) {
        for (k, n) in run.iter().enumerate() {
            if offset + k > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(n.to_string().as_bytes());
        }
    }

    /// Every chunk size, including ones that leave a short last run and ones larger than the
    /// input, gives exactly the one-thread output.
    #[test]
    fn ordered_writes_are_the_serial_output() {
        let items: Vec<u32> = (0..5000).map(|i| i * 7 % 1013).collect();
        let mut serial = Vec::new();
        format_numbers(0, &items, &mut serial);
        for chunk in [1, 2, 3, 7, 64, 999, 1000, 4999, 5000, 6000] {
            let mut out = Vec::new();
            write_ordered(&mut out, &items, chunk, format_numbers).unwrap();
            assert_eq!(out, serial, "chunk {chunk}");
        }
        let mut out = Vec::new();
        write_ordered(&mut out, &[] as &[u32], 8, format_numbers).unwrap();
        assert!(out.is_empty());
    }

    /// A writer that fails part-way: the error comes back, nothing after it is written, and the
    /// formatting thread stops instead of hanging.
    #[test]
    fn a_write_error_stops_the_output() {
        struct Fails {
            written: Vec<u8>,
            limit: usize,
        }
        impl Write for Fails {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.written.len() + b.len() > self.limit {
                    return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
                }
                self.written.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let items: Vec<u32> = (0..20_000).collect();
        let mut out = Fails {
            written: Vec::new(),
            limit: 10_000,
        };
        let err = write_ordered(&mut out, &items, 100, format_numbers).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        // Whole runs, in order, up to the one that did not fit: the serial output's first runs.
        let mut serial = Vec::new();
        format_numbers(0, &items, &mut serial);
        let mut run = Vec::new();
        let mut expected = 0;
        for c in 0.. {
            run.clear();
            format_numbers(c * 100, &items[c * 100..(c + 1) * 100], &mut run);
            if expected + run.len() > 10_000 {
                break;
            }
            expected += run.len();
        }
        assert_eq!(out.written, serial[..expected]);
    }

    #[test]
    fn mapped_rows_keep_their_order() {
        let items: Vec<u64> = (0..10_001).collect();
        for min_len in [0, 1, 10_001, 20_000] {
            let rows = map_chunks(&items, min_len, |run, rows| {
                rows.extend(run.iter().map(|i| i * 3))
            });
            assert_eq!(rows, items.iter().map(|i| i * 3).collect::<Vec<_>>());
        }
        assert!(map_chunks(&[] as &[u64], 0, |run, rows: &mut Vec<u64>| rows
            .extend_from_slice(run))
        .is_empty());
    }
}
