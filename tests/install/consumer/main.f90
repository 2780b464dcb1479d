! Fortran against an installed insitu: consumer_fortran SRC DST a b c reads SRC (real32(3), from
! SSDB), checks it is [a, b, c] and stores DST = 2 * SRC.
program consumer_fortran
  use iso_fortran_env, only: real32
  use insitu
  implicit none
  type(client_type) :: client
  real(real32) :: x(3), want(3)
  character(len=64) :: src, dst, arg
  integer :: i

  if (command_argument_count() /= 5) then
    write (*, '(a)') 'usage: consumer_fortran SRC DST a b c'
    error stop 2
  end if
  call get_command_argument(1, src)
  call get_command_argument(2, dst)
  do i = 1, 3
    call get_command_argument(2 + i, arg)
    read (arg, *) want(i)
  end do
  if (client%initialize("consumer_fortran") /= SRNoError) error stop 3
  x = 0
  if (client%unpack_tensor(trim(src), x) /= SRNoError) error stop 3
  if (any(x /= want)) then
    write (*, '(a,3f8.2,a)') 'Fortran ' // trim(src) // ' = [', x, '] WRONG'
    error stop 1
  end if
  x = 2 * x
  if (client%put_tensor(trim(dst), x) /= SRNoError) error stop 3
  write (*, '(a,3f8.2,a)') 'Fortran ' // trim(src) // ' -> ' // trim(dst) // ' = [', x, '] ok'
end program consumer_fortran
