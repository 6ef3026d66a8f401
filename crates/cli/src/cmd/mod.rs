//! One module per verb: its clap arguments and its `run`.

pub mod layouts;
