fn main() {
    afl::fuzz!(|data: &[u8]| sio_auth_fuzz::wire::check(data));
}
