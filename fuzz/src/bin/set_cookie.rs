fn main() {
    afl::fuzz!(|data: &[u8]| sio_auth_fuzz::set_cookie::check(data));
}
