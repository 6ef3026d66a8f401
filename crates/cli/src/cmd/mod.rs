//! One module per verb: its clap arguments and its `run`.

pub mod convert;
pub mod detect;
pub mod gaiji;
pub mod inspect;
pub mod layouts;
pub mod normalize;
pub mod profiles;
pub mod report;
pub mod sample;
pub mod verify;
