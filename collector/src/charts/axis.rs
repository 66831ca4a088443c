//! The value axis: round tick steps (1, 2 or 5 times a power of ten) from zero to just above the largest value,
//! as every chart of the kit draws them ([`svg_charts::ticks`]).

pub(super) use svg_charts::ticks;
