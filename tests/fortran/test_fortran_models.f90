! Models, scripts, polling and the administration calls from Fortran: an ONNX model stored from
! its bytes and from its file, read back byte for byte and run on the reference input; a
! TorchScript function stored, run and deleted; and the error codes of bad calls.
program test_fortran_models
  use iso_fortran_env, only: int32, real32, real64
  use insitu
  use test_support
  implicit none
  type(client_type) :: client
  character(len=:), allocatable :: models_dir, model_file, model_bytes, got, address, json, ssdb
  real(real32) :: x(5, 4), y(5, 1), expected(5, 1), s(4), s2(4)
  real(real32), target :: xi(5, 4), yi(5, 1), y_short(4, 1), x_short(5, 3)
  real(real64), target :: y_double(5, 1)
  logical :: key_found
  logical :: exists, torch
  integer :: comma
  character(len=*), parameter :: script_source = &
    "def times_two(x):" // new_line("a") // "    return 2 * x" // new_line("a")

  call get_env("INSITU_TEST_MODELS_DIR", models_dir)
  call get_env("INSITU_HAVE_TORCH", got)
  torch = got == "1"
  call expect(len(models_dir) > 0, "INSITU_TEST_MODELS_DIR is set")
  call expect_code(client%initialize("fortran_models"), SRNoError, "initialize")

  ! ---- an ONNX linear regression: X (5x4 float32) -> Y (5x1)
  model_file = models_dir // "/linreg.onnx"
  model_bytes = read_file(model_file)
  call read_npy_f32(models_dir // "/linreg.in0.npy", 5, 4, x)
  call read_npy_f32(models_dir // "/linreg.out0.npy", 5, 1, expected)
  call expect_code(client%set_model("f_linreg", model_bytes, "ONNX", "CPU"), SRNoError, "set_model")
  call expect_code(client%model_exists("f_linreg", exists), SRNoError, "model_exists")
  call expect(exists, "model stored")
  call expect_code(client%get_model("f_linreg", got), SRNoError, "get_model")
  call expect(got == model_bytes, "get_model returns the bytes stored")
  call expect_code(client%put_tensor("f_x", x), SRNoError, "put input")
  call expect_code(client%run_model("f_linreg", ["f_x"], ["f_y"]), SRNoError, "run_model")
  y = 0
  call expect_code(client%unpack_tensor("f_y", y), SRNoError, "unpack output")
  call expect(all(abs(y - expected) <= 1e-4 * max(1.0, abs(expected))), "model output")

  ! ---- the same inference in one round trip: bit for bit the three calls' output, no key
  xi = x
  yi = -1
  call expect_code(client%run_model_inline("f_linreg", [tensor_view(xi)], [tensor_view(yi)]), &
    SRNoError, "run_model_inline")
  call expect(all(transfer(yi, 1_int32, 5) == transfer(y, 1_int32, 5)), &
    "run_model_inline output equals put + run + unpack bit for bit")
  call expect_code(client%key_exists("out0", key_found), SRNoError, "key_exists out0")
  call expect(.not. key_found, "run_model_inline writes no key")
  call expect_code(client%run_model_inline("f_never", [tensor_view(xi)], [tensor_view(yi)]), &
    SRKeyError, "run_model_inline: missing model")
  call expect(index(get_last_error(), "f_never") > 0, "message names the model")
  x_short = 1
  call expect_code(client%run_model_inline("f_linreg", [tensor_view(x_short)], &
    [tensor_view(yi)]), SRDatabaseError, "run_model_inline: wrong input shape")
  y_short = -3
  call expect_code(client%run_model_inline("f_linreg", [tensor_view(xi)], &
    [tensor_view(y_short)]), SRParameterError, "run_model_inline: wrong output shape")
  call expect(all(y_short == -3), "nothing written on a shape mismatch")
  call expect_code(client%run_model_inline("f_linreg", [tensor_view(xi)], &
    [tensor_view(y_double)]), SRTypeError, "run_model_inline: wrong output type")
  yi = 0
  call expect_code(client%run_model_inline("f_linreg", [tensor_view(xi)], [tensor_view(yi)]), &
    SRNoError, "run_model_inline after errors")
  call expect(all(transfer(yi, 1_int32, 5) == transfer(y, 1_int32, 5)), "output after errors")
  call expect_code(client%delete_model("f_linreg"), SRNoError, "delete_model")
  call expect_code(client%poll_model("f_linreg", 5, 2, exists), SRNoError, "poll deleted model")
  call expect(.not. exists, "model deleted")
  call expect_code(client%set_model_from_file("f_linreg2", model_file, "ONNX", "CPU", &
    batch_size=0, tag="fortran"), SRNoError, "set_model_from_file")
  call expect_code(client%poll_model("f_linreg2", 10, 3, exists), SRNoError, "poll_model")
  call expect(exists, "model from file stored")
  y = 0
  call expect_code(client%run_model("f_linreg2", ["f_x"], ["f_y2"]), SRNoError, "run from file")
  call expect_code(client%unpack_tensor("f_y2", y), SRNoError, "unpack output 2")
  call expect(all(abs(y - expected) <= 1e-4 * max(1.0, abs(expected))), "model 2 output")
  call expect_code(client%delete_model("f_linreg2"), SRNoError, "delete model 2")

  ! ---- a TorchScript function
  if (torch) then
    s = [1., 2., 3., 4.]
    call expect_code(client%set_script("f_script", "CPU", script_source), SRNoError, "set_script")
    call expect_code(client%get_script("f_script", got), SRNoError, "get_script")
    call expect(index(got, "times_two") > 0, "script source read back")
    call expect_code(client%put_tensor("f_s", s), SRNoError, "put script input")
    call expect_code(client%run_script("f_script", "times_two", ["f_s"], ["f_s2"]), SRNoError, &
      "run_script")
    call expect_code(client%unpack_tensor("f_s2", s2), SRNoError, "unpack script output")
    call expect(all(s2 == 2 * s), "script output")
    call expect(client%run_script("f_script", "no_such_fn", ["f_s"], ["f_s2"]) /= SRNoError, &
      "unknown function")
    call expect_code(client%delete_script("f_script"), SRNoError, "delete_script")
    call expect_code(client%model_exists("f_script", exists), SRNoError, "script exists")
    call expect(.not. exists, "script deleted")
    call expect_code(client%set_script_from_file("f_script2", "CPU", models_dir // "/script.txt"), &
      SRNoError, "set_script_from_file")
    call expect_code(client%delete_script("f_script2"), SRNoError, "delete script 2")
  end if

  ! ---- errors
  call expect_code(client%set_model("f_bad", "blob", "NOBACKEND", "CPU"), SRParameterError, &
    "unknown backend")
  call expect(index(get_last_error(), "NOBACKEND") > 0, "message names the backend")
  call expect_code(client%set_model("f_bad", "blob", "ONNX", "TPU"), SRParameterError, &
    "bad device")
  call expect_code(client%set_model("f_bad", "not an onnx model", "ONNX", "CPU"), &
    SRDatabaseError, "a blob the backend rejects")
  call expect_code(client%set_model_from_file("f_bad", "/nonexistent/m.onnx", "ONNX", "CPU"), &
    SRParameterError, "missing model file")
  call expect_code(client%set_script_from_file("f_bad", "CPU", "/nonexistent/s.txt"), &
    SRParameterError, "missing script file")
  call expect(any(client%get_model("f_never", got) == [SRKeyError, SRDatabaseError]), &
    "get missing model")
  call expect(client%run_model("f_never", ["f_x"], ["f_y"]) /= SRNoError, "run missing model")
  call expect(get_last_error_location() == "run_model", "run_model location")
  call expect(client%delete_model("f_never") /= SRNoError, "delete missing model")

  ! ---- administration on the first node of SSDB
  call get_env("SSDB", ssdb)
  comma = index(ssdb, ",")
  address = ssdb
  if (comma > 0) address = ssdb(1:comma - 1)
  call expect_code(client%get_db_node_info(address, json), SRNoError, "get_db_node_info")
  call expect(index(json, '"redis_version": "') > 0, "node info JSON")
  call expect_code(client%config_set("maxmemory-policy", "allkeys-lru", address), SRNoError, &
    "config_set")
  call expect_code(client%config_get("maxmemory-policy", address, json), SRNoError, "config_get")
  call expect(json == '{"maxmemory-policy": "allkeys-lru"}', "config_get JSON")
  call expect_code(client%config_set("maxmemory-policy", "noeviction", address), SRNoError, &
    "config_set back")
  call expect_code(client%config_set("no-such-parameter", "1", address), SRDatabaseError, &
    "config_set unknown")
  if (index(ssdb, ",") > 0 .or. get_db_type() == "Clustered") then
    call expect_code(client%get_db_cluster_info(address, json), SRNoError, "cluster info")
    call expect(index(json, '"cluster_state": "ok"') > 0, "cluster_state ok")
  else
    call expect_code(client%get_db_cluster_info(address, json), SRRuntimeError, &
      "cluster info on a standalone database")
  end if
  call expect_code(client%save(address), SRNoError, "save")
  call expect_code(client%get_db_node_info("127.0.0.1:1", json), SRParameterError, "not a node")
  call expect(index(get_last_error(), "127.0.0.1:1") > 0, "message names the address")
  call expect_code(client%flush_db("nonsense"), SRParameterError, "flush bad address")
  call expect_code(client%set_model_chunk_size(0), SRParameterError, "chunk size 0")

  call expect_code(client%destructor(), SRNoError, "destructor")
  ! main-program variables are not freed at exit (valgrind run)
  if (allocated(models_dir)) deallocate(models_dir)
  if (allocated(model_file)) deallocate(model_file)
  if (allocated(model_bytes)) deallocate(model_bytes)
  if (allocated(got)) deallocate(got)
  if (allocated(address)) deallocate(address)
  if (allocated(json)) deallocate(json)
  if (allocated(ssdb)) deallocate(ssdb)
  call report("test_fortran_models")

contains

  subroutine get_env(name, value)
    character(len=*), intent(in) :: name
    character(len=:), allocatable, intent(out) :: value
    integer :: n
    call get_environment_variable(name, length=n)
    allocate(character(len=n) :: value)
    if (n > 0) call get_environment_variable(name, value)
  end subroutine

  function get_db_type() result(t)
    character(len=:), allocatable :: t
    call get_env("SR_DB_TYPE", t)
  end function

  function read_file(path) result(bytes)
    character(len=*), intent(in) :: path
    character(len=:), allocatable :: bytes
    integer :: unit, n
    open(newunit=unit, file=path, access="stream", form="unformatted", status="old", &
      action="read")
    inquire(unit=unit, size=n)
    allocate(character(len=n) :: bytes)
    read(unit) bytes
    close(unit)
  end function

  !> A float32 .npy (version 1, little-endian, C order) of shape rows x cols into a(rows, cols).
  subroutine read_npy_f32(path, rows, cols, a)
    character(len=*), intent(in) :: path
    integer, intent(in) :: rows, cols
    real(real32), intent(out) :: a(rows, cols)
    character(len=:), allocatable :: bytes
    real(real32) :: flat(rows * cols)
    integer :: header_len, i, j
    bytes = read_file(path)
    call expect(bytes(2:6) == "NUMPY" .and. index(bytes, "'<f4'") > 0, path // " is float32 npy")
    header_len = ichar(bytes(9:9)) + 256 * ichar(bytes(10:10))
    flat = transfer(bytes(11 + header_len:), flat)
    do i = 1, rows
      do j = 1, cols
        a(i, j) = flat((i - 1) * cols + j)
      end do
    end do
  end subroutine
end program
