//! What a git command line asks for, read the way git reads it: the global options before the
//! subcommand, an alias's words, and for `push` and `send-pack` where the commits that could
//! leave come from. Pure functions over argv; `git::shim` asks git itself what they cannot know
//! (aliases, refs, config), and refuses whatever they cannot read.

/// A git command line split at its subcommand, as `git.c`'s `handle_options` splits it.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// Everything before the subcommand (`-C DIR`, `-c K=V`, `--git-dir=...`): kept as given, so
    /// the shim's own questions to git see the same repository and config.
    pub globals: &'a [String],
    /// The subcommand (or alias) and its arguments; None when there is none.
    pub command: Option<&'a str>,
    pub args: &'a [String],
    /// A global option after which git prints something and stops (`--version`, `--help`,
    /// `--exec-path`), or runs a command that is not a push (`help`, `version`).
    pub terminal: bool,
    /// A global option this reading does not know: where the subcommand starts cannot be told.
    pub unknown: Option<&'a str>,
}

/// Global options that take the next word as their value when not given as `--opt=value`.
const GLOBAL_WITH_VALUE: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--config-env",
    "--super-prefix",
    "--shallow-file",
    "--attr-source",
];

const GLOBAL_FLAGS: &[&str] = &[
    "-p",
    "--paginate",
    "-P",
    "--no-pager",
    "--no-replace-objects",
    "--bare",
    "--literal-pathspecs",
    "--no-literal-pathspecs",
    "--glob-pathspecs",
    "--noglob-pathspecs",
    "--icase-pathspecs",
    "--no-optional-locks",
    "--no-advice",
    "--no-lazy-fetch",
];

const GLOBAL_TERMINAL: &[&str] =
    &["-v", "--version", "-h", "--help", "--exec-path", "--html-path", "--man-path", "--info-path"];

pub fn split(argv: &[String]) -> Split<'_> {
    let mut i = 0;
    let mut terminal = false;
    let mut unknown = None;
    while let Some(word) = argv.get(i) {
        if !word.starts_with('-') {
            break;
        }
        let name = word.split_once('=').map(|(n, _)| n).unwrap_or(word);
        if GLOBAL_TERMINAL.contains(&word.as_str()) || name == "--list-cmds" {
            terminal = true;
            break;
        }
        if GLOBAL_FLAGS.contains(&word.as_str()) || name == "--exec-path" {
            i += 1;
        } else if GLOBAL_WITH_VALUE.contains(&name) {
            // `-C` and `-c` are always two words; the long ones may be `--opt=value`.
            i += if word.contains('=') && name.starts_with("--") { 1 } else { 2 };
        } else {
            unknown = Some(word.as_str());
            break;
        }
    }
    let end = i.min(argv.len());
    let (command, args) = match argv.get(end) {
        Some(c) if !terminal && unknown.is_none() => (Some(c.as_str()), &argv[end + 1..]),
        _ => (None, &argv[argv.len()..]),
    };
    Split { globals: &argv[..end], command, args, terminal, unknown }
}

/// An alias's value split into words as git's `split_cmdline` does: blanks separate words,
/// `'...'` quotes literally, `"..."` quotes with backslash escapes, a backslash outside quotes
/// escapes the next character. None for an unclosed quote (git refuses the alias too).
pub fn split_alias(value: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = value.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_ascii_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, '\\') | (Some('"'), '\\') => {
                word.push(chars.next()?);
                in_word = true;
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// Where the commits a push could send come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A revision the command names (`HEAD`, `main`, `HEAD~2`, a commit id).
    Rev(String),
    /// Every ref matching a refspec pattern (`refs/heads/*`).
    Pattern(String),
    /// Every branch (`--all`, the matching refspec `:`).
    Branches,
    /// Every tag (`--tags`).
    Tags,
    /// What `git push` without refspecs pushes: decided by config (`remote.*.push`,
    /// `push.default`), which the shim reads.
    Default,
}

/// What one `push` or `send-pack` asks to send.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PushRequest {
    pub sources: Vec<Source>,
    /// It deletes or prunes remote refs (`--delete`, `:dst`, `--prune`, `--mirror`).
    pub deletes: bool,
    /// `send-pack --stdin`: the refs come on stdin, which the shim does not read.
    pub stdin: bool,
    /// `send-pack --stateless-rpc`: the remote-helper end of an HTTP push, started by git itself
    /// for a push the gate already judged; it writes the pack to its stdout and sends nothing.
    pub stateless: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Takes {
    Nothing,
    /// A value: `--opt=V` or `--opt V` (`-oV` or `-o V` for a short one).
    Value,
    /// An optional value, only ever attached (`--opt=V`).
    Attached,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Effect {
    None,
    All,
    Mirror,
    Tags,
    Delete,
    Prune,
    Stdin,
    Stateless,
}

#[derive(Clone, Copy, Debug)]
struct Opt {
    long: &'static str,
    short: Option<char>,
    takes: Takes,
    effect: Effect,
}

const fn opt(long: &'static str, short: Option<char>, takes: Takes, effect: Effect) -> Opt {
    Opt { long, short, takes, effect }
}

use Effect as E;
use Takes as T;

/// `git push -h` (git 2.47), every option with what it changes about what leaves.
const PUSH_OPTS: &[Opt] = &[
    opt("verbose", Some('v'), T::Nothing, E::None),
    opt("quiet", Some('q'), T::Nothing, E::None),
    opt("repo", None, T::Value, E::None),
    opt("all", None, T::Nothing, E::All),
    opt("branches", None, T::Nothing, E::All),
    opt("mirror", None, T::Nothing, E::Mirror),
    opt("delete", Some('d'), T::Nothing, E::Delete),
    opt("tags", None, T::Nothing, E::Tags),
    opt("dry-run", Some('n'), T::Nothing, E::None),
    opt("porcelain", None, T::Nothing, E::None),
    opt("force", Some('f'), T::Nothing, E::None),
    opt("force-with-lease", None, T::Attached, E::None),
    opt("force-if-includes", None, T::Nothing, E::None),
    opt("recurse-submodules", None, T::Value, E::None),
    opt("thin", None, T::Nothing, E::None),
    opt("receive-pack", None, T::Value, E::None),
    opt("exec", None, T::Value, E::None),
    opt("set-upstream", Some('u'), T::Nothing, E::None),
    opt("progress", None, T::Nothing, E::None),
    opt("prune", None, T::Nothing, E::Prune),
    opt("no-verify", None, T::Nothing, E::None),
    opt("verify", None, T::Nothing, E::None),
    opt("follow-tags", None, T::Nothing, E::None),
    opt("signed", None, T::Attached, E::None),
    opt("atomic", None, T::Nothing, E::None),
    opt("push-option", Some('o'), T::Value, E::None),
    opt("ipv4", Some('4'), T::Nothing, E::None),
    opt("ipv6", Some('6'), T::Nothing, E::None),
];

/// `git send-pack -h` (git 2.47).
const SEND_PACK_OPTS: &[Opt] = &[
    opt("verbose", Some('v'), T::Nothing, E::None),
    opt("quiet", Some('q'), T::Nothing, E::None),
    opt("receive-pack", None, T::Value, E::None),
    opt("exec", None, T::Value, E::None),
    opt("remote", None, T::Value, E::None),
    opt("all", None, T::Nothing, E::All),
    opt("dry-run", Some('n'), T::Nothing, E::None),
    opt("mirror", None, T::Nothing, E::Mirror),
    opt("force", Some('f'), T::Nothing, E::None),
    opt("signed", None, T::Attached, E::None),
    opt("push-option", None, T::Value, E::None),
    opt("progress", None, T::Nothing, E::None),
    opt("thin", None, T::Nothing, E::None),
    opt("atomic", None, T::Nothing, E::None),
    opt("stateless-rpc", None, T::Nothing, E::Stateless),
    opt("stdin", None, T::Nothing, E::Stdin),
    opt("helper-status", None, T::Nothing, E::None),
    opt("force-with-lease", None, T::Attached, E::None),
    opt("force-if-includes", None, T::Nothing, E::None),
];

/// `git http-push` (git 2.47's usage; `-d` and `-D` delete remote refs).
const HTTP_PUSH_OPTS: &[Opt] = &[
    opt("all", None, T::Nothing, E::All),
    opt("force", None, T::Nothing, E::None),
    opt("dry-run", None, T::Nothing, E::None),
    opt("verbose", None, T::Nothing, E::None),
    opt("helper-status", None, T::Nothing, E::None),
    opt("delete", Some('d'), T::Nothing, E::Delete),
    opt("force-delete", Some('D'), T::Nothing, E::Delete),
];

/// Options and positional words, read as git's parse-options reads them: options anywhere
/// before `--`, long ones abbreviated to any unique prefix, `--no-X` negating `--X`, short ones
/// bundled (`-fu`). Returns the effects that are on at the end and where the positional words are.
fn parse_options(args: &[String], opts: &[Opt]) -> Result<(Vec<Effect>, Vec<usize>), String> {
    let mut on: Vec<Effect> = Vec::new();
    let mut set = |e: Effect, value: bool| {
        on.retain(|x| *x != e);
        if value && e != Effect::None {
            on.push(e);
        }
    };
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        i += 1;
        if word == "--" || word == "--end-of-options" {
            positional.extend(i..args.len());
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let (o, negated) = find_long(opts, name)?;
            if negated {
                if attached.is_some() {
                    return Err(format!("`--{name}` takes no value"));
                }
                set(o.effect, false);
                continue;
            }
            match (o.takes, attached) {
                (Takes::Nothing, Some(_)) => return Err(format!("`--{}` takes no value", o.long)),
                (Takes::Value, None) => {
                    if i >= args.len() {
                        return Err(format!("`--{}` needs a value", o.long));
                    }
                    i += 1;
                }
                _ => {}
            }
            set(o.effect, true);
        } else if word.len() > 1 && word.starts_with('-') {
            let mut chars = word[1..].chars();
            while let Some(c) = chars.next() {
                let o = opts.iter().find(|o| o.short == Some(c)).ok_or_else(|| format!("unknown option `-{c}`"))?;
                set(o.effect, true);
                if o.takes == Takes::Value {
                    // The rest of the word, or the next word, is its value.
                    if chars.as_str().is_empty() {
                        if i >= args.len() {
                            return Err(format!("`-{c}` needs a value"));
                        }
                        i += 1;
                    }
                    break;
                }
            }
        } else {
            positional.push(i - 1);
        }
    }
    Ok((on, positional))
}

/// The option a long name means: exact, else its unique abbreviation; `--no-X` negates X.
fn find_long(opts: &[Opt], name: &str) -> Result<(Opt, bool), String> {
    // Every spelling git accepts: the name, and `no-NAME` for those that can be negated
    // (`no-verify` and `verify` are two options, neither negatable; so are `ipv4`, `ipv6`).
    let spellings = opts.iter().flat_map(|o| {
        let neg = (!["no-verify", "verify", "ipv4", "ipv6"].contains(&o.long)).then_some((*o, true));
        [Some((*o, false)), neg].into_iter().flatten()
    });
    let spelled = |(o, neg): &(Opt, bool)| if *neg { format!("no-{}", o.long) } else { o.long.to_string() };
    let all: Vec<(Opt, bool)> = spellings.collect();
    if let Some(exact) = all.iter().find(|s| spelled(s) == name) {
        return Ok(*exact);
    }
    let prefixed: Vec<&(Opt, bool)> = all.iter().filter(|s| !name.is_empty() && spelled(s).starts_with(name)).collect();
    match prefixed.as_slice() {
        [one] => Ok(**one),
        [] => Err(format!("unknown option `--{name}`")),
        _ => Err(format!("ambiguous option `--{name}`")),
    }
}

/// One refspec's source: None for a negative refspec (`^ref`, it only excludes); an error
/// for a deletion (`:dst`).
fn refspec_source(spec: &str) -> Result<Option<Source>, String> {
    let spec = spec.strip_prefix('+').unwrap_or(spec);
    if spec.starts_with('^') {
        return Ok(None);
    }
    if spec == ":" {
        return Ok(Some(Source::Branches));
    }
    // git splits at the last colon: in `HEAD:file:refs/heads/x` the source is the blob `HEAD:file`.
    let src = spec.rsplit_once(':').map(|(s, _)| s).unwrap_or(spec);
    if src.is_empty() {
        return Err(format!("`{spec}` deletes a remote ref"));
    }
    Ok(Some(if src.contains('*') { Source::Pattern(src.to_string()) } else { Source::Rev(src.to_string()) }))
}

fn request(effects: &[Effect], refspecs: &[String], push: bool) -> Result<PushRequest, String> {
    let mut req = PushRequest {
        deletes: effects.iter().any(|e| matches!(e, E::Mirror | E::Prune)),
        stdin: effects.contains(&E::Stdin),
        stateless: effects.contains(&E::Stateless),
        ..Default::default()
    };
    if effects.contains(&E::Delete) && !refspecs.is_empty() {
        req.deletes = true;
    }
    if effects.contains(&E::All) {
        req.sources.push(Source::Branches);
    }
    if effects.contains(&E::Tags) {
        req.sources.push(Source::Tags);
    }
    let mut words = refspecs.iter();
    while let Some(spec) = words.next() {
        if push && spec == "tag" {
            // `git push origin tag v1`: the tag `v1`.
            match words.next() {
                Some(name) => req.sources.push(Source::Rev(format!("refs/tags/{name}"))),
                None => return Err("`tag` needs a tag name".into()),
            }
            continue;
        }
        match refspec_source(spec) {
            Ok(Some(s)) => req.sources.push(s),
            Ok(None) => {}
            Err(_) => req.deletes = true,
        }
    }
    if push && req.sources.is_empty() && !req.deletes && refspecs.is_empty() {
        req.sources.push(Source::Default);
    }
    Ok(req)
}

/// The refspec words (after the repository) of `push`, `send-pack` or `http-push`.
fn refspec_words(args: &[String], opts: &[Opt]) -> Result<(Vec<Effect>, Vec<usize>), String> {
    let (effects, positional) = parse_options(args, opts)?;
    Ok((effects, positional.get(1..).unwrap_or(&[]).to_vec()))
}

fn words_at(args: &[String], at: &[usize]) -> Vec<String> {
    at.iter().map(|&i| args[i].clone()).collect()
}

/// `git push [options] [<repository> [<refspec>...]]`.
pub fn parse_push(args: &[String]) -> Result<PushRequest, String> {
    let (effects, at) = refspec_words(args, PUSH_OPTS)?;
    request(&effects, &words_at(args, &at), true)
}

/// `git send-pack [options] [<host>:]<directory> (--all | <ref>...)`.
pub fn parse_send_pack(args: &[String]) -> Result<PushRequest, String> {
    let (effects, at) = refspec_words(args, SEND_PACK_OPTS)?;
    request(&effects, &words_at(args, &at), false)
}

/// `git http-push [--all] [--dry-run] [--force] [--verbose] [-d] [-D] <url> <ref>...` (the
/// dumb-HTTP push git's http helper starts; `--helper-status` is how it starts it).
pub fn parse_http_push(args: &[String]) -> Result<PushRequest, String> {
    let (effects, at) = refspec_words(args, HTTP_PUSH_OPTS)?;
    request(&effects, &words_at(args, &at), false)
}

/// One refspec naming a single source (not a pattern, `:` or a negative one), where it sits in
/// the arguments, so the shim can put back exactly the object it checked.
#[derive(Debug, PartialEq, Eq)]
pub struct NamedRefspec {
    /// The words it spans (two for `tag NAME`).
    pub words: std::ops::Range<usize>,
    pub force: bool,
    pub src: String,
    pub dst: Option<String>,
}

/// The single-source refspecs of a `push` (`push` true) or `send-pack`.
pub fn named_refspecs(args: &[String], push: bool) -> Result<Vec<NamedRefspec>, String> {
    let (_, at) = refspec_words(args, if push { PUSH_OPTS } else { SEND_PACK_OPTS })?;
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(&i) = at.get(k) {
        k += 1;
        let spec = &args[i];
        if push && spec == "tag" {
            let Some(&j) = at.get(k) else { return Err("`tag` needs a tag name".into()) };
            k += 1;
            out.push(NamedRefspec { words: i..j + 1, force: false, src: format!("refs/tags/{}", args[j]), dst: None });
            continue;
        }
        let force = spec.starts_with('+');
        let bare = spec.strip_prefix('+').unwrap_or(spec);
        if bare.starts_with('^') || bare == ":" || bare.contains('*') {
            continue;
        }
        let (src, dst) = match bare.rsplit_once(':') {
            Some((s, d)) => (s, Some(d.to_string())),
            None => (bare, None),
        };
        if src.is_empty() {
            continue;
        }
        out.push(NamedRefspec { words: i..i + 1, force, src: src.to_string(), dst });
    }
    Ok(out)
}

/// The sources configured for a push without refspecs, from `git config --get-regexp` over
/// `remote.*.push`, `remote.*.mirror` and `push.default` ("KEY VALUE" lines). Every remote's
/// push refspecs count (a superset of the one remote git will pick).
pub fn default_sources(config: &str) -> Result<PushRequest, String> {
    let mut req = PushRequest::default();
    let mut push_default = String::new();
    for line in config.lines() {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        let key = key.to_ascii_lowercase();
        if key == "push.default" {
            push_default = value.trim().to_ascii_lowercase();
        } else if key.ends_with(".mirror") {
            if matches!(value.trim().to_ascii_lowercase().as_str(), "" | "true" | "yes" | "on" | "1") {
                req.deletes = true;
            }
        } else if key.ends_with(".push") {
            match refspec_source(value.trim()) {
                Ok(Some(s)) => req.sources.push(s),
                Ok(None) => {}
                Err(_) => req.deletes = true,
            }
        }
    }
    match push_default.as_str() {
        "matching" => req.sources.push(Source::Branches),
        "nothing" => {}
        // simple (the default), current, upstream, tracking: the current branch.
        _ => req.sources.push(Source::Rev("HEAD".into())),
    }
    Ok(req)
}

/// Whether `name` matches a refspec pattern's source (one `*`, which matches anything,
/// slashes included). A pattern not starting with `refs/` is tried under `refs/` and
/// `refs/heads/` too.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    let Some((pre, post)) = pattern.split_once('*') else { return pattern == name };
    let fits = |pre: &str| name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post);
    if pre.starts_with("refs/") {
        fits(pre)
    } else {
        fits(pre) || fits(&format!("refs/{pre}")) || fits(&format!("refs/heads/{pre}"))
    }
}

/// One line a pre-push hook reads: `<local ref> <local oid> <remote ref> <remote oid>`; the
/// local object id, or None for a deletion (all zeros).
pub fn pre_push_line(line: &str) -> Result<Option<String>, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [_, local, _, _] = fields.as_slice() else { return Err(format!("unexpected pre-push line `{line}`")) };
    if !is_object_id(local) {
        return Err(format!("unexpected object id `{local}`"));
    }
    Ok((!local.bytes().all(|b| b == b'0')).then(|| local.to_string()))
}

/// A full hexadecimal object id (SHA-1 or SHA-256).
pub fn is_object_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn split_finds_the_subcommand_after_global_options() {
        let argv = words("-C /x -c core.hooksPath=/dev/null --git-dir=/g --work-tree /w -P push --no-verify origin");
        let s = split(&argv);
        assert_eq!(s.command, Some("push"));
        assert_eq!(s.globals.len(), 8);
        assert_eq!(s.args, &words("--no-verify origin")[..]);
        assert!(!s.terminal && s.unknown.is_none());

        let argv = words("--exec-path=/e --namespace ns --config-env=alias.p=P p");
        assert_eq!(split(&argv).command, Some("p"));
        let argv = words("--version push");
        assert!(split(&argv).terminal && split(&argv).command.is_none());
        let argv = words("--exec-path");
        assert!(split(&argv).terminal);
        let argv = words("--frobnicate push");
        assert_eq!(split(&argv).unknown, Some("--frobnicate"));
        assert_eq!(split(&argv).command, None);
        let argv = words("-c");
        assert_eq!(split(&argv).command, None);
        assert_eq!(split(&[]).command, None);
    }

    #[test]
    fn alias_words_follow_git_quoting() {
        assert_eq!(split_alias("push --no-verify origin").unwrap(), words("push --no-verify origin"));
        assert_eq!(
            split_alias(r#"log --format='%h %s' "a b" c\ d"#).unwrap(),
            vec!["log", "--format=%h %s", "a b", "c d"]
        );
        assert_eq!(split_alias(r#""say \"hi\"""#).unwrap(), vec![r#"say "hi""#]);
        assert_eq!(split_alias("''").unwrap(), vec![""]);
        assert!(split_alias("push 'open").is_none());
    }

    fn push(s: &str) -> PushRequest {
        parse_push(&words(s)).unwrap()
    }

    #[test]
    fn push_sources_whatever_the_flags() {
        assert_eq!(push("origin HEAD").sources, vec![Source::Rev("HEAD".into())]);
        assert_eq!(push("--no-verify origin +HEAD:refs/heads/main").sources, vec![Source::Rev("HEAD".into())]);
        // Abbreviated, negated, bundled, and options after the refspecs.
        assert_eq!(push("--no-verif -fu origin main -o ci.skip --repo x").sources, vec![Source::Rev("main".into())]);
        assert_eq!(push("-oci.skip origin a:b c").sources, vec![Source::Rev("a".into()), Source::Rev("c".into())]);
        // What `--push-option` and `--repo` take is not a refspec.
        assert_eq!(push("--push-option HEAD~1 origin HEAD").sources, vec![Source::Rev("HEAD".into())]);
        assert_eq!(push("origin").sources, vec![Source::Default]);
        assert_eq!(push("").sources, vec![Source::Default]);
        assert_eq!(push("--all origin").sources, vec![Source::Branches]);
        assert_eq!(push("--branches origin").sources, vec![Source::Branches]);
        assert_eq!(push("--all --no-all origin").sources, vec![Source::Default]);
        assert_eq!(push("--tags origin").sources, vec![Source::Tags]);
        assert_eq!(push("origin tag v1").sources, vec![Source::Rev("refs/tags/v1".into())]);
        assert_eq!(push("origin refs/heads/*:refs/heads/x/*").sources, vec![Source::Pattern("refs/heads/*".into())]);
        assert_eq!(push("origin :").sources, vec![Source::Branches]);
        assert_eq!(push("origin -- --weird").sources, vec![Source::Rev("--weird".into())]);
        assert_eq!(push("origin ^refs/heads/x HEAD").sources, vec![Source::Rev("HEAD".into())]);
        assert_eq!(push("origin HEAD:file.txt:refs/heads/x").sources, vec![Source::Rev("HEAD:file.txt".into())]);
        // `--dry-run` undone is a real push: nothing about it is taken on trust.
        assert_eq!(push("--dry-run --no-dry-run origin HEAD").sources, vec![Source::Rev("HEAD".into())]);
    }

    #[test]
    fn deletions_are_seen() {
        assert!(push("origin :refs/heads/main").deletes);
        assert!(push("--delete origin main").deletes);
        assert!(push("-d origin main").deletes);
        assert!(push("--prune origin main").deletes);
        assert!(push("--mirror origin").deletes);
        assert!(!push("--prune --no-prune origin main").deletes);
    }

    #[test]
    fn options_it_cannot_read_are_errors() {
        for bad in
            ["--frobnicate origin", "--re x origin", "--all=yes origin", "origin -x", "--repo", "-o", "--no-verify=1"]
        {
            assert!(parse_push(&words(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn send_pack_sources() {
        let sp = |s: &str| parse_send_pack(&words(s)).unwrap();
        assert_eq!(sp("/remote.git HEAD:refs/heads/x").sources, vec![Source::Rev("HEAD".into())]);
        assert_eq!(sp("--force --remote origin /r.git refs/heads/a").sources, vec![Source::Rev("refs/heads/a".into())]);
        assert_eq!(sp("--all /r.git").sources, vec![Source::Branches]);
        assert!(sp("--mirror /r.git").deletes);
        assert!(sp("--stdin /r.git").stdin);
        assert!(sp("--stateless-rpc --helper-status --stdin https://h/r").stateless);
        assert!(sp("/r.git").sources.is_empty());
    }

    #[test]
    fn named_refspecs_say_where_each_sits() {
        let named = |s: &str| named_refspecs(&words(s), true).unwrap();
        let spec = |w: std::ops::Range<usize>, force, src: &str, dst: Option<&str>| NamedRefspec {
            words: w,
            force,
            src: src.into(),
            dst: dst.map(String::from),
        };
        assert_eq!(
            named("-f origin +HEAD:refs/heads/main main --no-verify tag v1 refs/heads/*:refs/heads/x/* : ^a"),
            vec![
                spec(2..3, true, "HEAD", Some("refs/heads/main")),
                spec(3..4, false, "main", None),
                spec(5..7, false, "refs/tags/v1", None),
            ]
        );
        assert_eq!(named("origin HEAD:file:x"), vec![spec(1..2, false, "HEAD:file", Some("x"))]);
        assert!(named("origin").is_empty());
        let sp = named_refspecs(&words("--force /r.git HEAD:refs/heads/x"), false).unwrap();
        assert_eq!(sp, vec![spec(2..3, false, "HEAD", Some("refs/heads/x"))]);
        let hp = parse_http_push(&words("--all https://h/r.git")).unwrap();
        assert_eq!(hp.sources, vec![Source::Branches]);
        assert!(parse_http_push(&words("-D https://h/r.git x")).unwrap().deletes);
    }

    #[test]
    fn default_sources_from_config() {
        assert_eq!(default_sources("").unwrap().sources, vec![Source::Rev("HEAD".into())]);
        assert_eq!(default_sources("push.default matching\n").unwrap().sources, vec![Source::Branches]);
        assert!(default_sources("push.default nothing\n").unwrap().sources.is_empty());
        let r =
            default_sources("remote.origin.push refs/heads/*:refs/heads/*\nremote.origin.push +HEAD:refs/heads/x\n")
                .unwrap();
        assert_eq!(
            r.sources,
            vec![Source::Pattern("refs/heads/*".into()), Source::Rev("HEAD".into()), Source::Rev("HEAD".into())]
        );
        assert!(default_sources("remote.backup.mirror true\n").unwrap().deletes);
        assert!(!default_sources("remote.backup.mirror false\n").unwrap().deletes);
        assert!(default_sources("remote.origin.push :refs/heads/gone\n").unwrap().deletes);
    }

    #[test]
    fn patterns_and_hook_lines() {
        assert!(pattern_matches("refs/heads/*", "refs/heads/a/b"));
        assert!(!pattern_matches("refs/heads/*", "refs/tags/a"));
        assert!(pattern_matches("heads/*", "refs/heads/a"));
        assert!(pattern_matches("minder/*", "refs/heads/minder/x"));
        assert!(pattern_matches("refs/heads/a*z", "refs/heads/abcz"));
        assert!(!pattern_matches("refs/heads/a*z", "refs/heads/az-"));
        let zero = "0".repeat(40);
        let sha = "a".repeat(40);
        assert_eq!(pre_push_line(&format!("refs/heads/x {sha} refs/heads/x {zero}")).unwrap(), Some(sha.clone()));
        assert_eq!(pre_push_line(&format!("(delete) {zero} refs/heads/x {sha}")).unwrap(), None);
        assert!(pre_push_line("garbage").is_err());
        assert!(pre_push_line("a b c d").is_err());
    }
}
