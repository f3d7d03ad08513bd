fn main() {
    afl::fuzz!(|data: &[u8]| sio_auth_fuzz::verify::check(data));
}
