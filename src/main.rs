#[global_allocator]
static ALLOCATOR: heir::sys::alloc::Allocator = heir::sys::alloc::Allocator;

fn main() {
    std::process::exit(heir::cli::main());
}
