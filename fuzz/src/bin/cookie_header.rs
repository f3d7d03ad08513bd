fn main() {
    afl::fuzz!(|data: &[u8]| sio_auth_fuzz::cookie_header::check(data));
}
