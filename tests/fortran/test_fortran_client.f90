! Client construction (environment, configoptions, deprecated cluster flag), rename / copy /
! delete / exists / poll, keys and ensemble prefixes.
program test_fortran_client
  use iso_fortran_env, only: int32, int64, real64
  use insitu
  use test_support
  implicit none
  type(client_type) :: client, member, from_cfg, old_style
  type(configoptions_type) :: cfg
  real(real64) :: a(2, 3), b(2, 3)
  integer(int64) :: i64
  character(len=:), allocatable :: text, db_type
  logical :: exists, is_set

  a = reshape([1d0, 2d0, 3d0, 4d0, 5d0, 6d0], [2, 3])
  call expect_code(client%initialize("fortran_client"), SRNoError, "initialize")
  call expect(client%isinitialized(), "isinitialized")
  call expect_code(client%initialize("again"), SRParameterError, "initialize twice")

  ! rename / copy / delete / exists / poll
  call expect_code(client%put_tensor("fa", a), SRNoError, "put")
  call expect_code(client%tensor_exists("fa", exists), SRNoError, "exists")
  call expect(exists, "fa exists")
  call expect_code(client%copy_tensor("fa", "fb"), SRNoError, "copy")
  call expect_code(client%rename_tensor("fb", "fc"), SRNoError, "rename")
  call expect_code(client%tensor_exists("fb", exists), SRNoError, "exists fb")
  call expect(.not. exists, "fb renamed away")
  b = 0
  call expect_code(client%unpack_tensor("fc", b), SRNoError, "unpack fc")
  call expect(all(b == a), "fc equals fa")
  call expect_code(client%poll_tensor("fc", 10, 3, exists), SRNoError, "poll fc")
  call expect(exists, "poll finds fc")
  call expect_code(client%delete_tensor("fc"), SRNoError, "delete")
  call expect_code(client%poll_tensor("fc", 10, 2, exists), SRNoError, "poll deleted")
  call expect(.not. exists, "fc deleted")
  call expect_code(client%key_exists("fa", exists), SRNoError, "key_exists")
  call expect(exists, "key fa")
  call expect_code(client%poll_key("nope", 5, 2, exists), SRNoError, "poll_key")
  call expect(.not. exists, "no key nope")

  ! configoptions, with a suffix
  call get_environment_variable_alloc("SSDB", text)
  call get_environment_variable_alloc("SR_DB_TYPE", db_type)
  call expect_code(cfg%create_configoptions_from_environment(""), SRNoError, "cfg from env")
  call expect_code(cfg%is_configured("SSDB", is_set), SRNoError, "is_configured")
  call expect(is_set, "SSDB configured")
  call expect_code(cfg%get_integer_option("SR_FORTRAN_UNSET", i64), SRKeyError, "unset option")
  call expect_code(cfg%override_integer_option("SR_CONN_TIMEOUT", 9_int64), SRNoError, "override")
  call expect_code(cfg%get_integer_option("SR_CONN_TIMEOUT", i64), SRNoError, "get int")
  call expect(i64 == 9, "override read back")
  call expect_code(cfg%override_string_option("SSKEYOUT", "fmember"), SRNoError, "override str")
  call expect_code(cfg%get_string_option("SSDB", text), SRNoError, "get str")
  call expect(len(text) > 0, "SSDB value")
  call expect_code(from_cfg%initialize(cfg, "from_cfg"), SRNoError, "initialize from cfg")
  call expect_code(cfg%destructor(), SRNoError, "cfg destructor")
  call expect_code(from_cfg%put_tensor("p", a), SRNoError, "put with SSKEYOUT")
  call expect_code(client%key_exists("fmember.p", exists), SRNoError, "key_exists prefixed")
  call expect(exists, "prefixed key written")
  call expect_code(from_cfg%destructor(), SRNoError, "from_cfg destructor")

  ! deprecated constructor
  call expect_code(old_style%initialize(db_type == "Clustered", "old"), SRNoError, "init cluster")
  call expect_code(old_style%key_exists("fa", exists), SRNoError, "old client works")
  call expect_code(old_style%destructor(), SRNoError, "old destructor")

  ! prefixes from SSKEYIN / SSKEYOUT: set through configoptions with a suffix
  call expect_code(cfg%create_configoptions_from_environment(""), SRNoError, "cfg 2")
  call expect_code(cfg%override_string_option("SSKEYOUT", "m1"), SRNoError, "SSKEYOUT")
  call expect_code(cfg%override_string_option("SSKEYIN", "m1,m0"), SRNoError, "SSKEYIN")
  call expect_code(member%initialize(cfg), SRNoError, "member")
  call expect_code(cfg%destructor(), SRNoError, "cfg 2 destructor")
  call expect_code(member%put_tensor("t", a), SRNoError, "member put")
  call expect_code(client%key_exists("m1.t", exists), SRNoError, "m1.t")
  call expect(exists, "m1.t written")
  call expect_code(client%put_tensor("m0.u", a), SRNoError, "put m0.u")
  call expect_code(member%set_data_source("m0"), SRNoError, "set_data_source")
  call expect_code(member%tensor_exists("u", exists), SRNoError, "member sees m0.u")
  call expect(exists, "data source m0")
  call expect_code(member%set_data_source("m7"), SRParameterError, "unknown data source")
  call expect_code(member%use_tensor_ensemble_prefix(.false.), SRNoError, "prefix off")
  call expect_code(member%put_tensor("bare", a), SRNoError, "put bare")
  call expect_code(client%key_exists("bare", exists), SRNoError, "bare")
  call expect(exists, "unprefixed key written")
  call expect_code(member%use_dataset_ensemble_prefix(.false.), SRNoError, "dataset prefix")
  call expect_code(member%use_model_ensemble_prefix(.true.), SRNoError, "model prefix")
  call expect_code(member%use_list_ensemble_prefix(.false.), SRNoError, "list prefix")
  call expect_code(member%destructor(), SRNoError, "member destructor")

  call expect_code(client%destructor(), SRNoError, "destructor")
  call expect_code(client%destructor(), SRNoError, "destructor twice is a no-op")
  deallocate(text, db_type)  ! main-program variables are not freed at exit (valgrind run)
  call report("test_fortran_client")

contains

  subroutine get_environment_variable_alloc(name, value)
    character(len=*), intent(in) :: name
    character(len=:), allocatable, intent(out) :: value
    integer :: n
    call get_environment_variable(name, length=n)
    allocate(character(len=n) :: value)
    if (n > 0) call get_environment_variable(name, value)
  end subroutine
end program
