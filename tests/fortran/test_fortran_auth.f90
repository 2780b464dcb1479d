! Fortran client against a database that requires authentication (the `auth` fixture exports
! SR_DB_PASSWORD_FILE; INSITU_TEST_DB_DIR holds the ACL users' password files): the password from
! the file, from configoptions and from an SSDB URL; an ACL user's NOPERM; a wrong password fails
! fast with "authentication failed" and without the password in the message.
program test_fortran_auth
  use iso_fortran_env, only: int64, real64
  use insitu
  use test_support
  implicit none
  type(client_type) :: client, app, wrong, direct
  type(configoptions_type) :: cfg
  real(real64) :: a(2, 3), b(2, 3)
  character(len=:), allocatable :: dir, ssdb, first_node, app_password, password, url
  integer(int64) :: t0, t1, rate
  integer :: comma
  logical :: exists

  a = reshape([1d0, 2d0, 3d0, 4d0, 5d0, 6d0], [2, 3])
  call get_environment_variable_alloc("INSITU_TEST_DB_DIR", dir)
  call get_environment_variable_alloc("SSDB", ssdb)
  if (len(dir) == 0) then
    write(*, '(a)') 'test_fortran_auth: run through the auth database fixture'
    error stop 1
  end if
  comma = index(ssdb, ",")
  if (comma > 0) then
    first_node = ssdb(1:comma - 1)
  else
    first_node = ssdb
  end if

  ! The fixture's SR_DB_PASSWORD_FILE.
  call expect_code(client%initialize("fortran_auth"), SRNoError, "initialize from the environment")
  call expect_code(client%put_tensor("f_auth", a), SRNoError, "put")
  b = 0
  call expect_code(client%unpack_tensor("f_auth", b), SRNoError, "unpack")
  call expect(all(b == a), "round trip")

  ! The password through configoptions (an empty option counts as unset, as in the environment).
  call read_secret(dir // "/password", password)
  call expect_code(cfg%create_configoptions_from_environment(""), SRNoError, "cfg")
  call expect_code(cfg%override_string_option("SR_DB_PASSWORD_FILE", ""), SRNoError, "no file")
  call expect_code(cfg%override_string_option("SR_DB_PASSWORD", password), SRNoError, "password")
  call expect_code(direct%initialize(cfg, "direct"), SRNoError, "initialize with a password")
  call expect_code(cfg%destructor(), SRNoError, "cfg destructor")
  call expect_code(direct%key_exists("f_auth", exists), SRNoError, "direct works")
  call expect(exists, "direct sees f_auth")
  call expect_code(direct%destructor(), SRNoError, "direct destructor")

  ! A wrong password: fails fast, names the failure, hides the password.
  call expect_code(cfg%create_configoptions_from_environment(""), SRNoError, "cfg wrong")
  call expect_code(cfg%override_string_option("SR_DB_PASSWORD_FILE", ""), SRNoError, "no file")
  call expect_code(cfg%override_string_option("SR_DB_PASSWORD", "f-wrong-secret"), SRNoError, &
    "wrong password")
  call expect_code(cfg%override_integer_option("SR_CONN_TIMEOUT", 20_int64), SRNoError, "timeout")
  call system_clock(t0, rate)
  call expect_code(wrong%initialize(cfg, "wrong"), SRDatabaseError, "wrong password refused")
  call system_clock(t1)
  call expect(real(t1 - t0, real64) / real(rate, real64) < 2d0, "refused within 2 s")
  call expect(index(get_last_error(), "authentication failed at") > 0, "message says so")
  call expect(index(get_last_error(), "f-wrong-secret") == 0, "password not in the message")
  call expect_code(cfg%destructor(), SRNoError, "cfg wrong destructor")

  ! An SSDB URL with an ACL user, who may not FLUSHDB.
  call read_secret(dir // "/app.password", app_password)
  url = "redis://app:" // app_password // "@" // first_node
  call expect_code(cfg%create_configoptions_from_environment(""), SRNoError, "cfg url")
  call expect_code(cfg%override_string_option("SSDB", url), SRNoError, "SSDB url")
  call expect_code(app%initialize(cfg, "app"), SRNoError, "initialize as app")
  call expect_code(cfg%destructor(), SRNoError, "cfg url destructor")
  b = 0
  call expect_code(app%unpack_tensor("f_auth", b), SRNoError, "app reads")
  call expect(all(b == a), "app reads the same data")
  call expect_code(app%flush_db(first_node), SRDatabaseError, "app may not FLUSHDB")
  call expect(index(get_last_error(), "permission denied: user 'app' may not run FLUSHDB") > 0, &
    "NOPERM message")
  call expect(index(get_last_error(), app_password) == 0, "app password not in the message")

  call expect_code(app%destructor(), SRNoError, "app destructor")
  call expect_code(client%destructor(), SRNoError, "destructor")
  deallocate(dir, ssdb, first_node, app_password, password, url)
  call report("test_fortran_auth")

contains

  subroutine get_environment_variable_alloc(name, value)
    character(len=*), intent(in) :: name
    character(len=:), allocatable, intent(out) :: value
    integer :: n
    call get_environment_variable(name, length=n)
    allocate(character(len=n) :: value)
    if (n > 0) call get_environment_variable(name, value)
  end subroutine

  ! The first line of a password file.
  subroutine read_secret(path, value)
    character(len=*), intent(in) :: path
    character(len=:), allocatable, intent(out) :: value
    character(len=512) :: line
    integer :: unit, stat
    line = ""
    open(newunit=unit, file=path, status="old", action="read", iostat=stat)
    call expect(stat == 0, "open " // path)
    if (stat == 0) then
      read(unit, '(a)', iostat=stat) line
      close(unit)
    end if
    value = trim(line)
  end subroutine
end program
