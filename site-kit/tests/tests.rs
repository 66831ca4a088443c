//! Integration tests of site-kit: both example sites built into temporary directories, the lint's rules one
//! failing fixture each, and the commands through the real binary.

mod support;

mod build_output;
mod check_rules;
mod commands;
mod feeds;
mod insertion;
mod privacy;
mod serve;
mod unsafe_urls;
mod xss;
