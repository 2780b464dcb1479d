! SmartRedis 0.6.1's Fortran example style with only the `use` changed (`use insitu` for
! smartredis_client / smartredis_dataset): keys held in long character variables, as Fortran
! codes keep them, name the same keys as the trimmed literal, as run_script writes them, and as
! another language reads them.
program smartredis_fortran
  use iso_c_binding
  use insitu
  implicit none

  type(client_type) :: client
  type(dataset_type) :: dataset
  integer :: result, failures
  character(len=255) :: in_key, out_key, ds_name, script_key, script_file
  character(len=255), dimension(2) :: inputs
  character(len=255), dimension(1) :: outputs
  real(kind=c_float), dimension(3, 2) :: a, b, c
  real(kind=c_double), dimension(10) :: send, recv
  logical :: found
  character(len=1024) :: models_dir

  failures = 0
  result = client%initialize("compat_fortran")
  call check(result == SRNoError, "initialize")

  ! put_tensor / unpack_tensor through a padded key; the literal finds it.
  in_key = "fortran_send"
  call random_number(send)
  result = client%put_tensor(in_key, send, shape(send))
  call check(result == SRNoError, "put_tensor")
  result = client%key_exists("fortran_send", found)
  call check(result == SRNoError .and. found, "the key is stored trimmed")
  recv = 0
  result = client%unpack_tensor(in_key, recv, shape(recv))
  call check(result == SRNoError .and. all(recv == send), "unpack_tensor")

  ! A dataset named by a padded variable.
  ds_name = "fortran_dataset"
  result = dataset%initialize(ds_name)
  call check(result == SRNoError, "dataset initialize")
  result = dataset%add_tensor(in_key, send, shape(send))
  call check(result == SRNoError, "add_tensor")
  result = client%put_dataset(dataset)
  call check(result == SRNoError, "put_dataset")
  result = client%dataset_exists("fortran_dataset", found)
  call check(result == SRNoError .and. found, "the dataset name is trimmed")

  ! run_script with padded input/output names reads and writes the keys put_tensor wrote.
  call get_environment_variable("INSITU_TEST_MODELS_DIR", models_dir)
  if (len_trim(models_dir) > 0) then
    script_key = "fortran_script"
    script_file = trim(models_dir)//"/script.txt"
    result = client%set_script_from_file(script_key, "CPU", script_file)
    call check(result == SRNoError, "set_script_from_file")
    a = 1.0
    b = 2.5
    inputs(1) = "fortran_a"
    inputs(2) = "fortran_b"
    outputs(1) = "fortran_c"
    result = client%put_tensor(inputs(1), a, shape(a))
    call check(result == SRNoError, "put a")
    result = client%put_tensor(inputs(2), b, shape(b))
    call check(result == SRNoError, "put b")
    result = client%run_script(script_key, "scale_add", inputs, outputs)
    call check(result == SRNoError, "run_script with padded names")
    c = 0
    result = client%unpack_tensor(outputs(1), c, shape(c))
    call check(result == SRNoError .and. all(c == 3.5), "the script's output under the padded name")
    result = client%delete_script(script_key)
    call check(result == SRNoError, "delete_script")
    result = client%delete_tensor(inputs(1))
    result = client%delete_tensor(inputs(2))
    result = client%delete_tensor(outputs(1))
  end if

  result = client%delete_dataset(ds_name)
  call check(result == SRNoError, "delete_dataset")
  result = client%delete_tensor(in_key)
  call check(result == SRNoError, "delete_tensor")
  result = dataset%destructor()
  result = client%destructor()
  if (failures /= 0) then
    print *, failures, " check(s) failed"
    error stop 1
  end if
  print '(a)', "SmartRedis Fortran example: OK"

contains

  subroutine check(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (.not. ok) then
      print '(a)', "FAILED: "//what
      failures = failures + 1
    end if
  end subroutine

end program
