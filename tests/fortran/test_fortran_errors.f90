! Error codes and messages: missing keys, wrong kinds and shapes, bad addresses, calls on a client
! that was never initialized.
program test_fortran_errors
  use iso_fortran_env, only: int32, int64, real32, real64
  use insitu
  use test_support
  implicit none
  type(client_type) :: client, never, bad
  type(configoptions_type) :: cfg
  real(real32) :: f(4), f5(5)
  real(real64) :: d(4)
  integer(int32) :: i(2, 2)
  logical :: exists

  call expect_code(client%initialize("fortran_errors"), SRNoError, "initialize")
  f = [1., 2., 3., 4.]
  call expect_code(client%put_tensor("ferr", f), SRNoError, "put")

  call expect_code(client%unpack_tensor("fmissing", f), SRKeyError, "missing key")
  call expect(index(get_last_error(), "fmissing") > 0, "message names the key")
  call expect(get_last_error_location() == "unpack_tensor", "location")
  call expect_code(client%unpack_tensor("ferr", d), SRTypeError, "wrong kind")
  call expect(index(get_last_error(), "FLOAT") > 0, "message names the dtype")
  call expect_code(client%unpack_tensor("ferr", f5), SRParameterError, "wrong size")
  call expect_code(client%unpack_tensor("ferr", i), SRTypeError, "wrong kind and rank")
  call expect_code(client%rename_tensor("fmissing", "x"), SRKeyError, "rename missing")
  call expect_code(client%copy_tensor("fmissing", "x"), SRKeyError, "copy missing")
  call expect_code(client%tensor_exists("ferr", exists), SRNoError, "success")
  call expect(get_last_error() == "", "a success clears the message")

  ! a client that was never initialized
  call expect_code(never%put_tensor("x", f), SRParameterError, "uninitialized client")
  call expect(index(get_last_error(), "null") > 0, "null handle message")

  ! bad addresses
  call expect_code(cfg%create_configoptions_from_environment(""), SRNoError, "cfg")
  call expect_code(cfg%override_string_option("SSDB", "no address here"), SRNoError, "bad SSDB")
  call expect_code(bad%initialize(cfg, "bad"), SRParameterError, "malformed address")
  call expect(index(get_last_error(), "SSDB") > 0, "message names SSDB")
  call expect_code(cfg%override_string_option("SSDB", "127.0.0.1:1"), SRNoError, "SSDB port 1")
  call expect_code(cfg%override_string_option("SR_DB_TYPE", "Standalone"), SRNoError, "type")
  call expect_code(cfg%override_integer_option("SR_CONN_TIMEOUT", 1_int64), SRNoError, "timeout")
  call expect_code(cfg%override_integer_option("SR_CONN_INTERVAL", 100_int64), SRNoError, "intv")
  call expect(any(bad%initialize(cfg, "bad") == [SRDatabaseError, SRTimeoutError]), &
    "unreachable address")
  call expect(.not. bad%isinitialized(), "not initialized after failure")
  call expect_code(cfg%destructor(), SRNoError, "cfg destructor")

  call expect_code(client%destructor(), SRNoError, "destructor")
  call report("test_fortran_errors")
end program
