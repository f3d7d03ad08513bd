fn main() {
    afl::fuzz!(|data: &[u8]| sio_auth_fuzz::engineio::check(data));
}
