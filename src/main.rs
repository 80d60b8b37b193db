#[global_allocator]
static ALLOCATOR: heir::alloc::Allocator = heir::alloc::Allocator;

fn main() {
    std::process::exit(heir::cli::main());
}
