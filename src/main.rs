fn main() {
    std::process::exit(heir::cli::main());
}
