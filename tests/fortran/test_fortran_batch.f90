! put_tensors / unpack_tensors: arrays of several kinds and ranks in one call read back bit for bit
! (by the batch call and by the single one), more items than one pipeline window, and per-item
! errors (missing key, wrong kind, wrong shape) that leave the other items done.
program test_fortran_batch
  use iso_fortran_env, only: int8, int16, int32, int64, real32, real64
  use insitu
  use test_support
  implicit none
  integer, parameter :: many = 100  ! more than one window (64 items)
  type(client_type) :: client
  integer(int8), target :: a8(7), b8(7)
  real(real64), target :: d2(3, 4), e2(3, 4)
  integer(int32), target :: i3(2, 3, 4), j3(2, 3, 4)
  real(real32), target :: r4(2, 3, 2, 3), s4(2, 3, 2, 3)
  integer(int16), target :: h1(5), g1(5)
  integer(int64), target :: col(6, many), col_back(6, many)
  real(real64), target :: wrong_kind(7)
  integer(int8), target :: wrong_shape(8), missing(7)
  character(len=12), dimension(4) :: names
  character(len=16), dimension(many) :: many_names
  type(tensor_view_type), dimension(many) :: views
  integer :: i, j, code
  integer :: errors(5), short_errors(2)
  logical :: found

  call expect_code(client%initialize("fortran_batch"), SRNoError, "initialize")

  ! ---- four kinds and ranks in one call each way
  a8 = [(int(i * 13 - 40, int8), i = 1, 7)]
  d2 = reshape([(1.0d0 / i, i = 1, 12)], shape(d2))
  i3 = reshape([(i * 1000003, i = 1, 24)], shape(i3))
  r4 = reshape([(real(i, real32) * 0.37 - 5, i = 1, 36)], shape(r4))
  names = [character(len=12) :: "fb_a8", "fb_d2", "fb_i3", "fb_r4"]
  call expect_code(client%put_tensors(names, [tensor_view(a8), tensor_view(d2), tensor_view(i3), &
    tensor_view(r4)], errors(1:4)), SRNoError, "put_tensors")
  call expect(all(errors(1:4) == SRNoError), "put_tensors: every item stored")
  b8 = 0; e2 = 0; j3 = 0; s4 = 0
  call expect_code(client%unpack_tensors(names, [tensor_view(b8), tensor_view(e2), &
    tensor_view(j3), tensor_view(s4)]), SRNoError, "unpack_tensors")
  call expect(all(b8 == a8), "int8 rank 1 back")
  call expect(all(transfer(e2, 1_int64, 12) == transfer(d2, 1_int64, 12)), &
    "real64 rank 2 bit for bit")
  call expect(all(j3 == i3), "int32 rank 3 back")
  call expect(all(transfer(s4, 1_int32, 36) == transfer(r4, 1_int32, 36)), &
    "real32 rank 4 bit for bit")
  ! The batch calls store and read what the single calls do (same layout, same keys).
  e2 = 0
  call expect_code(client%unpack_tensor("fb_d2", e2), SRNoError, "unpack_tensor of a batch put")
  call expect(all(transfer(e2, 1_int64, 12) == transfer(d2, 1_int64, 12)), &
    "single read of a batch put")
  h1 = [3_int16, -7_int16, 11_int16, 32767_int16, -huge(1_int16) - 1_int16]
  call expect_code(client%put_tensor("fb_single", h1), SRNoError, "put_tensor")
  g1 = 0
  call expect_code(client%unpack_tensors(["fb_single"], [tensor_view(g1)]), SRNoError, &
    "unpack_tensors of a single put")
  call expect(all(g1 == h1), "batch read of a single put")

  ! ---- many items: several windows; names are trimmed like the single calls'
  do j = 1, many
    col(:, j) = [(int(j, int64) * 100000000007_int64 + i, i = 1, 6)]
    write(many_names(j), '(a,i0)') "fb_many_", j
    views(j) = tensor_view(col(:, j))
  end do
  call expect_code(client%put_tensors(many_names, views), SRNoError, "put_tensors of many")
  col_back = 0
  do j = 1, many
    views(j) = tensor_view(col_back(:, j))
  end do
  call expect_code(client%unpack_tensors(many_names, views), SRNoError, "unpack_tensors of many")
  call expect(all(col_back == col), "many items back")
  call expect_code(client%key_exists("fb_many_57", found), SRNoError, "key_exists")
  call expect(found, "a batch key is stored trimmed")

  ! ---- per-item errors: the others are still read
  b8 = 0; e2 = 0; wrong_kind = -1; wrong_shape = -1; missing = -1
  code = client%unpack_tensors([character(len=12) :: "fb_a8", "fb_nowhere", "fb_a8", "fb_a8", &
    "fb_d2"], [tensor_view(b8), tensor_view(missing), tensor_view(wrong_kind), &
    tensor_view(wrong_shape), tensor_view(e2)], errors)
  call expect_code(code, SRKeyError, "unpack_tensors with failures: the first failure's code")
  call expect_code(errors(1), SRNoError, "item 1 read")
  call expect_code(errors(2), SRKeyError, "item 2: missing key")
  call expect_code(errors(3), SRTypeError, "item 3: wrong kind")
  call expect_code(errors(4), SRParameterError, "item 4: wrong shape")
  call expect_code(errors(5), SRNoError, "item 5 read")
  call expect(index(get_last_error(), "fb_nowhere") > 0, "the message names the missing key")
  call expect(all(b8 == a8), "item 1 values")
  call expect(all(transfer(e2, 1_int64, 12) == transfer(d2, 1_int64, 12)), "item 5 values")
  call expect(all(missing == -1) .and. all(wrong_kind == -1) .and. all(wrong_shape == -1), &
    "failed items' arrays are left as they were")
  ! Without item_errors: the same code.
  call expect_code(client%unpack_tensors(["fb_nowhere"], [tensor_view(missing)]), SRKeyError, &
    "unpack_tensors without item_errors")

  ! ---- arguments that cannot describe the items fail the whole call; nothing is sent
  call expect_code(client%put_tensors([character(len=8) :: "fb_x", "fb_y"], [tensor_view(a8)], &
    errors(1:2)), SRParameterError, "names and tensors differ in size")
  call expect(all(errors(1:2) == SRParameterError), "item_errors hold the call's code")
  call expect_code(client%put_tensors([character(len=8) :: "fb_x", "fb_y", "fb_z"], &
    [tensor_view(a8), tensor_view(a8), tensor_view(a8)], short_errors), SRParameterError, &
    "item_errors too small")
  call expect_code(client%put_tensors([character(len=8) :: "fb_x", "fb_y"], &
    [tensor_view(a8), tensor_view_type()]), SRParameterError, "a view not made by tensor_view")
  call expect_code(client%key_exists("fb_x", found), SRNoError, "key_exists fb_x")
  call expect(.not. found, "nothing stored by a rejected call")
  ! Empty lists do nothing.
  call expect_code(client%put_tensors(names(1:0), views(1:0)), SRNoError, "empty put_tensors")

  do j = 1, many
    call expect_code(client%delete_tensor(many_names(j)), SRNoError, "delete")
  end do
  call expect_code(client%destructor(), SRNoError, "destructor")
  call report("test_fortran_batch")
end program
