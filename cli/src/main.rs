//! `kiln`: the command-line tool of the Kiln vector database.
//!
//! Every command that works on a database takes its directory first, then the collection:
//! `kiln <command> <dir> [<collection>] [args]`. Errors are one line on stderr,
//! `kiln: error: <what>: <cause>`, with exit code 2 (`verify` exits 1 when it found problems,
//! `get` exits 1 when the id is not live).

mod attrs;
mod bench;
mod commands;
mod demo;
mod error;
mod import;
mod progress;
mod table;
mod vecfile;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::CliError;

/// Command-line tool of the Kiln embedded vector database.
#[derive(Debug, Parser)]
#[command(
    name = "kiln",
    version,
    about = "The command-line tool of the Kiln vector database: kiln <command> <dir> [<collection>] ...",
    after_help = "Exit codes: 0 success; 1 verify found problems or get found no such id; 2 any \
                  other error (printed as one line: kiln: error: <what>: <cause>).",
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a collection (and the database directory if it does not exist).
    Create(CreateArgs),
    /// Import vectors from an .fvecs, .bvecs or .npy file; ids are row numbers.
    Import(ImportArgs),
    /// Search the k nearest neighbours of a vector.
    Search(SearchArgs),
    /// Print an id's stored vector (comma-separated) and its attributes (a JSON object).
    ///
    /// The attributes line, fields in schema order, is left out when the row has none. Exit code
    /// 1 if the id is not live.
    Get {
        /// Database directory.
        dir: PathBuf,
        /// Collection name.
        collection: String,
        /// The id.
        id: u64,
    },
    /// Delete ids, or every row that matches a filter (--where).
    Delete {
        /// Database directory.
        dir: PathBuf,
        /// Collection name.
        collection: String,
        /// Ids to delete.
        #[arg(required_unless_present = "where_", conflicts_with = "where_")]
        ids: Vec<u64>,
        /// Delete every live row that matches this filter, in one transaction.
        #[arg(long = "where", value_name = "FILTER")]
        where_: Option<String>,
    },
    /// Count the live rows (that match --filter).
    Count {
        /// Database directory.
        dir: PathBuf,
        /// Collection name.
        collection: String,
        /// Count only the rows that match this filter.
        #[arg(long, value_name = "FILTER")]
        filter: Option<String>,
    },
    /// Add an attribute field to a collection; rows written before have it null.
    AddField {
        /// Database directory.
        dir: PathBuf,
        /// Collection name.
        collection: String,
        /// The field: NAME:TYPE, TYPE one of keyword, int, float, bool, keyword-list.
        #[arg(value_name = "NAME:TYPE", value_parser = attrs::parse_field_spec)]
        field: attrs::FieldSpec,
    },
    /// Show a collection's rows, background work and segments (every collection if none given).
    Stats {
        /// Database directory.
        dir: PathBuf,
        /// Collection name.
        collection: Option<String>,
    },
    /// Check every segment file, index file and template against its checksum and the catalog.
    ///
    /// Exit code 0: clean; 1: problems found; 2: the check could not run.
    Verify {
        /// Database directory.
        dir: PathBuf,
    },
    /// Seal the growing segment, run every pending index build and merge, and wait for them.
    Compact {
        /// Database directory.
        dir: PathBuf,
        /// Collection name.
        collection: String,
    },
    /// List the collections.
    List {
        /// Database directory.
        dir: PathBuf,
    },
    /// Write a consistent copy of the database to a new directory, which opens as a database of
    /// its own.
    ///
    /// Files are hard-linked where the file system allows, copied otherwise. Needs the
    /// database free (an application that holds it calls Database::checkpoint itself).
    Checkpoint {
        /// Database directory.
        dir: PathBuf,
        /// The new directory (must not exist; its parent must).
        dest: PathBuf,
    },
    /// Drop a collection and delete its files.
    Drop {
        /// Database directory.
        dir: PathBuf,
        /// Collection name.
        collection: String,
    },
    /// Measure QPS, latency and recall of indexed search against exact search.
    Bench(BenchArgs),
    /// Ingest a few hundred thousand vectors while watching the background work, then measure.
    Demo(DemoArgs),
}

/// Arguments of `kiln create`.
#[derive(Debug, Args)]
struct CreateArgs {
    /// Database directory (created if missing).
    dir: PathBuf,
    /// Collection name: 1-128 ASCII letters, digits, '_', '-', '.'.
    collection: String,
    /// Vector dimension.
    #[arg(long)]
    dim: usize,
    /// Distance: l2 (squared Euclidean), ip (inner product) or cosine.
    #[arg(long, value_parser = commands::parse_metric)]
    metric: kiln::Metric,
    /// Rows of a growing segment before it is sealed (default: 16 MiB of vectors).
    #[arg(long)]
    segment_rows: Option<u32>,
    /// Index of sealed segments: auto, flat, ivf-flat:NLIST, ivf-sq8:NLIST, ivf-pq:NLIST:M,
    /// hnsw:M, hnsw:M:EF_CONSTRUCTION (default 40) or factory:FAISS_STRING.
    #[arg(long, default_value = "auto", value_parser = commands::parse_index)]
    index: kiln::IndexSpec,
    /// An attribute field, NAME:TYPE with TYPE one of keyword, int, float, bool, keyword-list
    /// (repeat for more fields; `kiln add-field` adds fields later).
    #[arg(long = "field", value_name = "NAME:TYPE", value_parser = attrs::parse_field_spec)]
    fields: Vec<attrs::FieldSpec>,
}

/// Arguments of `kiln import`.
#[derive(Debug, Args)]
struct ImportArgs {
    /// Database directory.
    dir: PathBuf,
    /// Collection name.
    collection: String,
    /// The file: .fvecs, .bvecs (u8 components) or .npy (2-D float32, C order).
    file: PathBuf,
    /// Id of the first row; row i gets id START_ID + i.
    #[arg(long, default_value_t = 0)]
    start_id: u64,
    /// Rows per write batch.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch: u64,
    /// Import at most this many rows.
    #[arg(long)]
    limit: Option<u64>,
    /// Replace ids that already exist instead of failing.
    #[arg(long)]
    upsert: bool,
    /// Return once the rows are durable, without waiting for background indexing.
    #[arg(long)]
    no_wait: bool,
    /// Attributes from a JSON-lines file: line i is a JSON object (field -> value) for row i
    /// of the vector file; null or a missing key is null. One line per imported vector.
    #[arg(long, value_name = "FILE")]
    attrs: Option<PathBuf>,
}

/// Arguments of `kiln search`.
#[derive(Debug, Args)]
struct SearchArgs {
    /// Database directory.
    dir: PathBuf,
    /// Collection name.
    collection: String,
    /// The query as comma- or space-separated floats.
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["file", "id"])]
    vector: Option<String>,
    /// Take the query from a vector file (.fvecs, .bvecs, .npy): its first row, or --row.
    #[arg(long, conflicts_with = "id")]
    file: Option<PathBuf>,
    /// Row of --file to use.
    #[arg(long, requires = "file", default_value_t = 0)]
    row: u64,
    /// Use the stored vector of this id as the query.
    #[arg(long)]
    id: Option<u64>,
    /// Neighbours to return.
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    k: u64,
    /// IVF lists to probe per indexed segment (default: each segment's pick for the recall
    /// target, from its measured recall curve).
    #[arg(long)]
    nprobe: Option<usize>,
    /// HNSW beam width per indexed segment (default: as for --nprobe).
    #[arg(long)]
    ef: Option<usize>,
    /// The recall@k to aim for, in (0, 1] (default: the collection's, 0.95 unless set).
    #[arg(long, value_name = "RECALL")]
    target_recall: Option<f64>,
    /// Search every segment exactly, ignoring indexes.
    #[arg(long)]
    exact: bool,
    /// Only rows that match this filter qualify, e.g. "folder = 'work' AND year >= 2020".
    #[arg(long, value_name = "FILTER")]
    filter: Option<String>,
    /// Also print how each segment was searched: live and matching rows, plan, candidates.
    #[arg(long)]
    explain: bool,
}

/// Arguments of `kiln bench`.
#[derive(Debug, Args)]
struct BenchArgs {
    /// Database directory.
    dir: PathBuf,
    /// Collection name.
    collection: String,
    /// Queries from this .fvecs/.bvecs/.npy file (default: vectors of the collection sampled by
    /// id).
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Neighbours per query; recall is recall@k against exact search.
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    k: u64,
    /// Number of queries.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    n: u64,
    /// Seed of the query sampling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Arguments of `kiln demo`.
#[derive(Debug, Args)]
struct DemoArgs {
    /// Database directory, wiped at the start (default: <repo>/target/kiln-demo).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Rows to ingest.
    #[arg(long, default_value_t = demo::DEFAULT_ROWS)]
    rows: usize,
    /// Dimension of synthetic vectors (ignored when the dev set is used).
    #[arg(long, default_value_t = 128)]
    dim: usize,
    /// Use synthetic clustered vectors even when the dev set is present.
    #[arg(long)]
    synthetic: bool,
    /// Rows of a growing segment. The default, 20,000, keeps the collection under 16 times the
    /// rows its first IVF template is trained for, so the demo never waits for a retrain.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1024..))]
    segment_rows: u32,
    /// Queries measured at the end (recall@10 against exact search).
    #[arg(long, default_value_t = 300)]
    queries: usize,
    /// Seed of the synthetic data and noise.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return error::clap_error(e),
    };
    let result = match cli.command {
        Command::Create(a) => commands::create(&a),
        Command::Import(a) => import::run(&a),
        Command::Search(a) => commands::search(&a),
        Command::Get {
            dir,
            collection,
            id,
        } => commands::get(&dir, &collection, id),
        Command::Delete {
            dir,
            collection,
            ids,
            where_,
        } => match where_ {
            Some(filter) => commands::delete_where(&dir, &collection, &filter),
            None => commands::delete(&dir, &collection, &ids),
        },
        Command::Count {
            dir,
            collection,
            filter,
        } => commands::count(&dir, &collection, filter.as_deref()),
        Command::AddField {
            dir,
            collection,
            field,
        } => commands::add_field(&dir, &collection, &field),
        Command::Stats { dir, collection } => commands::stats(&dir, collection.as_deref()),
        Command::Verify { dir } => commands::verify(&dir),
        Command::Compact { dir, collection } => commands::compact(&dir, &collection),
        Command::List { dir } => commands::list(&dir),
        Command::Checkpoint { dir, dest } => commands::checkpoint(&dir, &dest),
        Command::Drop { dir, collection } => commands::drop_collection(&dir, &collection),
        Command::Bench(a) => bench::run(&a),
        Command::Demo(a) => demo::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => e.report(),
    }
}

/// The result of a command: an exit code, or an error to print.
type CliResult = Result<ExitCode, CliError>;
