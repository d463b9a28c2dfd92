//! `minder logs`: the session's output without attaching — clean text by default, raw bytes on
//! request, following across rotation.

use crate::app::Ctx;
use crate::render::Renderer;
use crate::store::logs;
use anyhow::Result;
use clap::Args as ClapArgs;
use std::io::Write;

/// Print a session's output without attaching
///
/// By default the clean text a person saw: colours stripped, carriage returns, backspaces and
/// erases applied, so a progress bar ends as its final line. --raw prints the recorded bytes.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Keep printing new output until the session ends
    #[arg(short, long)]
    pub follow: bool,
    /// Print only the last N lines
    #[arg(short = 'n', long, value_name = "N")]
    pub lines: Option<usize>,
    /// Print the raw bytes (escape sequences included)
    #[arg(long)]
    pub raw: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = match crate::ops::remote::locate(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["logs".to_string(), crate::ops::remote::there(&name)];
            if let Some(n) = args.lines {
                argv.extend(["-n".to_string(), n.to_string()]);
            }
            if args.raw {
                argv.push("--raw".into());
            }
            if args.follow {
                // Streamed over the master for as long as the remote follows (the words are
                // a full name, a number and flags: nothing a login shell reads otherwise).
                argv.insert(1, "-f".into());
                return crate::ops::remote::stream(&host, &argv);
            }
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    let record = ctx.store.load(&name)?;
    let paths = ctx.store.paths(&name);
    let dir = paths.logs();
    if record.ended_at.is_some() && !args.follow {
        // The sink may still be writing the last bytes of a session that just ended.
        crate::store::wait_sink_drained(&paths, std::time::Duration::from_secs(3));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (w, h) = (record.width.max(20), record.height.max(5));

    if args.follow {
        let store = ctx.store.clone();
        let done = paths.sink_done();
        let mut ended_seen: Option<std::time::Instant> = None;
        // Follow until the session ended and its sink wrote everything (a sink that died
        // without saying so is given a few seconds).
        let mut ended = move || {
            let ended = store.load(&name).map(|r| r.ended()).unwrap_or(true);
            if !ended {
                return false;
            }
            let since = *ended_seen.get_or_insert_with(std::time::Instant::now);
            done.exists() || since.elapsed() > std::time::Duration::from_secs(3)
        };
        if args.raw {
            logs::follow(
                &dir,
                args.lines,
                &mut |b| {
                    out.write_all(b)?;
                    out.flush()
                },
                &mut ended,
            )?;
        } else {
            // One row of screen: a line is printed once the next one starts, and `\r` redraws
            // and erases still collapse into the final text.
            let mut renderer = Renderer::new(w, 1);
            logs::follow(
                &dir,
                args.lines,
                &mut |b| {
                    renderer.feed(b, &mut out)?;
                    out.flush()
                },
                &mut ended,
            )?;
            renderer.finish(&mut out)?;
        }
        out.flush()?;
        return Ok(());
    }

    if !dir.is_dir() {
        // The sink creates the folder with its first byte: nothing printed yet.
        return Ok(());
    }
    let ctx_err =
        |e: std::io::Error| anyhow::Error::from(e).context(format!("cannot read the log in `{}`", dir.display()));
    match (args.raw, args.lines) {
        (true, None) => logs::read_all(&dir, &mut out).map_err(ctx_err)?,
        (true, Some(n)) => out.write_all(&logs::tail_bytes(&dir, n).map_err(ctx_err)?)?,
        (false, None) => {
            let mut renderer = Renderer::new(w, h);
            let mut feeder = Feed { renderer: &mut renderer, out: &mut out };
            logs::read_all(&dir, &mut feeder).map_err(ctx_err)?;
            renderer.finish(&mut out)?;
        }
        (false, Some(n)) => {
            for line in crate::ops::present::last_lines(&dir, w, h, n).map_err(ctx_err)? {
                writeln!(out, "{line}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Adapter: bytes written to it are fed to the renderer, whose lines go to `out`.
struct Feed<'a, W: Write> {
    renderer: &'a mut Renderer,
    out: &'a mut W,
}

impl<W: Write> Write for Feed<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.renderer.feed(buf, self.out)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
