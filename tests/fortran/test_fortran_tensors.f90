! put_tensor / unpack_tensor for every kind (int8..int64, real32, real64) and rank 1-4: values
! survive the round trip and the stored tensor is row-major (checked through the C API).
module tensor_checks
  use iso_c_binding
  use iso_fortran_env, only: int8, int16, int32, int64, real32, real64
  use insitu
  use insitu_c_api, only: c_unpack_tensor, SRMemLayoutContiguous, SRTensorTypeInt8, &
    SRTensorTypeInt16, SRTensorTypeInt32, SRTensorTypeInt64, SRTensorTypeFloat, SRTensorTypeDouble
  use test_support
  implicit none
contains
  !> Distinct small values (they fit int8) for column-major position k.
  integer function value_at(k)
    integer, intent(in) :: k
    value_at = mod(k * 7 + 3, 101) - 50
  end function
  include "tensor_checks.inc"
end module tensor_checks

program test_fortran_tensors
  use iso_c_binding
  use insitu
  use insitu_c_api, only: c_simple_create_client, c_delete_client
  use tensor_checks
  use test_support
  implicit none
  type(client_type) :: client
  type(c_ptr) :: cclient = c_null_ptr
  character(len=255) :: padded_key
  real(c_double) :: vals(4), back(4)
  real(c_float), allocatable :: big(:, :), big_back(:, :)
  integer :: i, j
  logical :: found

  call expect_code(client%initialize("fortran_tensors"), SRNoError, "initialize")
  call expect_code(c_simple_create_client("c_reader", 8_c_size_t, cclient), SRNoError, &
    "C client")
  include "tensor_calls.inc"
  ! A key held in a long character variable is the trimmed name (as in SmartRedis): the same key
  ! a literal, run_model/run_script or another language names.
  padded_key = "fortran_padded_key"
  vals = [1.5d0, -2d0, 3.25d0, 4d0]
  call expect_code(client%put_tensor(padded_key, vals, shape(vals)), SRNoError, "put padded key")
  call expect_code(client%key_exists("fortran_padded_key", found), SRNoError, "key_exists")
  call expect(found, "a padded key is stored trimmed")
  back = 0
  call expect_code(client%unpack_tensor("fortran_padded_key", back, shape(back)), SRNoError, &
    "unpack by the trimmed name")
  call expect(all(back == vals), "values under the trimmed name")
  back = 0
  call expect_code(client%unpack_tensor(padded_key, back, shape(back)), SRNoError, &
    "unpack by the padded name")
  call expect(all(back == vals), "values under the padded name")
  call expect_code(client%delete_tensor(padded_key), SRNoError, "delete padded key")
  call expect_code(client%key_exists("fortran_padded_key", found), SRNoError, "key_exists after")
  call expect(.not. found, "deleted through the padded name")
  ! 1 MiB: through the server's shared memory (it runs on this host), column-major like any
  ! Fortran array; read back whole.
  allocate(big(512, 512), big_back(512, 512))
  do j = 1, 512
    do i = 1, 512
      big(i, j) = real(i * 3 - j, c_float)
    end do
  end do
  call expect_code(client%put_tensor("fortran_shm", big, shape(big)), SRNoError, "put 1 MiB")
  big_back = 0
  call expect_code(client%unpack_tensor("fortran_shm", big_back, shape(big_back)), SRNoError, &
    "unpack 1 MiB")
  call expect(all(big_back == big), "1 MiB tensor round trip")
  deallocate(big, big_back)  ! a main program's allocatables are never freed for it
  call expect_code(c_delete_client(cclient), SRNoError, "C client delete")
  call expect_code(client%destructor(), SRNoError, "destructor")
  call expect(.not. client%isinitialized(), "destroyed")
  call report("test_fortran_tensors")
end program
