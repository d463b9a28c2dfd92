//! What follows a recorded transition, whoever recorded it (the sink, a hook, the supervisor,
//! a command): the person is told (`tell`), and a session that reached `review` has its checks
//! run (`checks`). Called once per transition, by the process that made it.

use crate::domain::record::Record;
use crate::store::Store;

pub fn after(store: &Store, record: &Record) {
    crate::ops::tell::transitioned(store, record);
    crate::ops::checks::transitioned(store, record);
}
