//! The retrain job: a new IVF template generation, trained when the collection has grown well
//! past what its current template was planned for. Builds keep using the current generation
//! meanwhile; the new one is committed as a template record and becomes current for later
//! builds. It changes no segment, so it has no snapshot change to commit.

use crate::error::Result;
use crate::indexing::{segment_plan, train_template};
use crate::jobs::{JobCtx, JobEnd};
use crate::snapshot::Snapshot;

/// Train the next template generation for the collection's size at `snap`.
pub(crate) fn run(ctx: &JobCtx<'_>, snap: &Snapshot) -> Result<JobEnd> {
    if ctx.stop.is_set() {
        return Ok(JobEnd::Cancelled);
    }
    let coll = ctx.coll;
    let rows = snap.total_rows();
    let Some(plan) = segment_plan(ctx.core, &coll.config, rows).filter(|p| p.kind().is_ivf())
    else {
        return Ok(JobEnd::Cancelled);
    };
    let _span = tracing::info_span!("retrain", collection = %coll.name, rows).entered();
    train_template(
        ctx.core,
        coll.id,
        &coll.dir,
        &coll.config,
        ctx.templates,
        &plan,
        rows,
        &snap.sealed_readers(),
        true,
    )?;
    ctx.core.advance_watermark();
    Ok(JobEnd::Done)
}
